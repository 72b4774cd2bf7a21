"""Stop strings over a stream of text pieces.

Text is released only when it can no longer be the start of a stop string, so a stop string split
across tokens is caught and never reaches the caller, even in part.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopMatcher:
    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = [s for s in stops if s]
        self._pending = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Add ``piece``; return the text that is safe to release now."""
        if self.stopped:
            return ""
        self._pending += piece
        if not self._stops:
            out, self._pending = self._pending, ""
            return out
        cut = min((i for i in (self._pending.find(s) for s in self._stops) if i >= 0),
                  default=-1)
        if cut >= 0:
            self.stopped = True
            out, self._pending = self._pending[:cut], ""
            return out
        hold = self._held_suffix_len()
        out = self._pending[: len(self._pending) - hold]
        self._pending = self._pending[len(self._pending) - hold:]
        return out

    def flush(self) -> str:
        """At the end of generation: whatever is held back was not a stop string after all."""
        out, self._pending = ("" if self.stopped else self._pending), ""
        return out

    def _held_suffix_len(self) -> int:
        """Length of the longest suffix of the pending text that starts some stop string."""
        text = self._pending
        best = 0
        for stop in self._stops:
            for n in range(min(len(stop) - 1, len(text)), best, -1):
                if text.endswith(stop[:n]):
                    best = n
                    break
        return best
