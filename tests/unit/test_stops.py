"""Stop strings over streamed pieces."""

from __future__ import annotations

from appliance.engine.stops import StopMatcher


def run(stops: list[str], pieces: list[str]) -> tuple[list[str], bool]:
    m = StopMatcher(stops)
    out = [m.feed(p) for p in pieces]
    out.append(m.flush())
    return [o for o in out if o], m.stopped


def test_stop_split_across_pieces_is_never_released() -> None:
    """A stop string arriving in parts is caught; none of it reaches the output."""
    out, stopped = run(["</s>"], ["Hello", " wor", "ld<", "/", "s>", "after"])
    assert ["Hello", " wor", "ld"] == out
    assert stopped


def test_held_prefix_is_released_when_it_is_not_a_stop() -> None:
    """Text held back as a possible stop start is released once it cannot be one."""
    out, stopped = run(["STOP"], ["ab S", "T", "x", "y"])
    assert "ab ST" + "xy" == "".join(out)
    assert not stopped


def test_held_text_is_flushed_at_the_end() -> None:
    """A partial stop at the very end of generation is ordinary text."""
    out, _ = run(["STOP"], ["end ST"])
    assert "end ST" == "".join(out)


def test_no_stops_passes_everything_through() -> None:
    out, stopped = run([], ["a", "b"])
    assert ["a", "b"] == out
    assert not stopped


def test_earliest_of_several_stops_wins() -> None:
    out, _ = run(["bb", "a"], ["xxbba"])
    assert ["xx"] == out
