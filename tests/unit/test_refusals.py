"""Which refused calls are audited one by one and which are summarised, on fixed clocks."""

from __future__ import annotations

from appliance.observability.refusals import OTHER_PEERS, RefusalSampler, source_host

UNAUTH = ("UNAUTHENTICATED", "unauthenticated", "Generate")


class Clock:
    """A clock that moves only when the test moves it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sampler(**limits: int) -> tuple[RefusalSampler, Clock, Clock]:
    mono, wall = Clock(500.0), Clock(1_800_000_000.0)
    return RefusalSampler(window_s=60.0, clock=mono, wall=wall, **limits), mono, wall


def test_a_peer_is_its_host_without_the_port() -> None:
    """Reconnecting from a new port does not make a new source."""
    assert "ipv4:10.0.0.7" == source_host("ipv4:10.0.0.7:51234")
    assert "ipv6:[::1]" == source_host("ipv6:[::1]:5000")
    assert "ipv6:%5B::1%5D" == source_host("ipv6:%5B::1%5D:5000")
    assert "ipv4:10.0.0.7" == source_host("ipv4:10.0.0.7")  # named by a proxy: no port
    assert "ipv6:[2001:db8::7]" == source_host("ipv6:[2001:db8::7]")
    assert "unix:/run/a.sock" == source_host("unix:/run/a.sock")
    assert "unknown" == source_host("unknown")


def test_the_first_refusals_of_a_host_are_audited_the_rest_summarised() -> None:
    """Of 300 refusals from one host in one window the first 10 are audited one by one; the
    other 290 are one summary with the host, status, reason and the window's bounds."""
    s, mono, _wall = sampler(per_peer=10)
    admitted = []
    for n in range(300):
        admitted.append(s.admit(f"ipv4:10.0.0.7:{40000 + n}", *UNAUTH))
        mono.now += 0.01
    assert [True] * 10 + [False] * 290 == admitted
    assert [] == s.take()  # the window is still open
    mono.now = 500.0 + 60.0
    [summary] = s.take()
    assert ("ipv4:10.0.0.7", "UNAUTHENTICATED", "unauthenticated", 290, {"Generate": 290}) == \
        (summary.peer, summary.status, summary.reason, summary.count, summary.methods)
    rec = summary.record()
    assert ("refusals", 290) == (rec["type"], rec["count"])
    assert rec["window_start"].startswith("2027-01-15T08:00:00")  # the wall clock's time
    assert rec["window_end"].startswith("2027-01-15T08:01:00")
    assert [] == s.take()  # handed out once


def test_a_new_window_audits_again() -> None:
    """After a window closes, the next refusals from the same host are audited one by one
    again; the closed window's summary is handed out with it."""
    s, mono, _wall = sampler(per_peer=2)
    assert [True, True, False] == [s.admit("ipv4:10.0.0.7:1", *UNAUTH) for _ in range(3)]
    mono.now += 61.0
    assert s.admit("ipv4:10.0.0.7:2", *UNAUTH)
    assert [1] == [x.count for x in s.take()]


def test_the_overall_limit_holds_across_hosts() -> None:
    """Many hosts together get no more than ``overall`` refusals audited one by one."""
    s, _mono, _wall = sampler(per_peer=10, overall=25)
    admitted = sum(s.admit(f"ipv4:10.0.{n}.1:1", *UNAUTH) for n in range(100))
    assert 25 == admitted
    assert 75 == sum(x.count for x in s.take(final=True))


def test_hosts_beyond_max_peers_are_counted_together() -> None:
    """The summaries of one window stay bounded however many hosts refusals come from."""
    s, _mono, _wall = sampler(per_peer=0, max_peers=3)
    for n in range(50):
        s.admit(f"ipv4:10.0.{n}.1:1", *UNAUTH)
    summaries = s.take(final=True)
    assert 4 == len(summaries)
    assert 47 == next(x.count for x in summaries if x.peer == OTHER_PEERS)
    assert 50 == sum(x.count for x in summaries)


def test_statuses_and_reasons_are_summarised_apart() -> None:
    """A missing token and a role that may not call are two summaries."""
    s, _mono, _wall = sampler(per_peer=0)
    s.admit("ipv4:10.0.0.7:1", *UNAUTH)
    s.admit("ipv4:10.0.0.7:1", "PERMISSION_DENIED", "permission_denied", "GenerateStream")
    s.admit("ipv4:10.0.0.7:1", *UNAUTH)
    got = {(x.status, x.count) for x in s.take(final=True)}
    assert {("UNAUTHENTICATED", 2), ("PERMISSION_DENIED", 1)} == got


def test_final_closes_the_open_window_now() -> None:
    """At shutdown the open window's summary ends at the time of the shutdown."""
    s, mono, wall = sampler(per_peer=0)
    s.admit("ipv4:10.0.0.7:1", *UNAUTH)
    mono.now += 5.0
    [summary] = s.take(final=True)
    assert 5.0 == summary.window_end - summary.window_start
    assert wall.now == summary.window_start
