"""Splitting a reasoning model's output into its reasoning and its answer, as it streams.

Reasoning models (DeepSeek-R1 and its distills, QwQ...) write ``<think>…</think>`` before the
answer. Text inside goes to ``reasoning``, the rest to ``text``. Tags may arrive split across
tokens (``<thi`` + ``nk>``): text that could still be the start of a tag is held back until it
is one or cannot be, so no half tag ever reaches the caller.

Two layouts, chosen per tier (``models.<tier>.reasoning``):

- ``think_tags``: the output may open with ``<think>`` (leading whitespace allowed);
- ``think_tags_open``: the chat template already opened ``<think>`` in the prompt (as the
  DeepSeek-R1 distills' templates do), so the output starts inside the reasoning and only
  ``</think>`` appears.

After ``</think>`` everything is answer, including any later tag-like text.
"""

from __future__ import annotations

OPEN, CLOSE = "<think>", "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


class ReasoningSplitter:
    def __init__(self, starts_open: bool = False) -> None:
        self._state = "reasoning" if starts_open else "start"
        self._buf = ""

    def feed(self, text: str) -> tuple[str, str]:
        """Add model output; return (reasoning, answer) text that is safe to release now."""
        self._buf += text
        reasoning: list[str] = []
        answer: list[str] = []
        while True:
            if self._state == "start":
                head = self._buf.lstrip()
                if head.startswith(OPEN):
                    self._buf = head[len(OPEN):]
                    self._state = "reasoning"
                    continue
                if OPEN.startswith(head):  # empty, or still possibly "<thi..."
                    break
                self._state = "answer"
                continue
            if self._state == "reasoning":
                end = self._buf.find(CLOSE)
                if end >= 0:
                    reasoning.append(self._buf[:end])
                    self._buf = self._buf[end + len(CLOSE):]
                    self._state = "answer"
                    continue
                keep = _partial_suffix(self._buf, CLOSE)
                reasoning.append(self._buf[:len(self._buf) - keep])
                self._buf = self._buf[len(self._buf) - keep:]
                break
            answer.append(self._buf)
            self._buf = ""
            break
        return "".join(reasoning), "".join(answer)

    def flush(self) -> tuple[str, str]:
        """End of output: whatever is held back is released where it stands."""
        rest, self._buf = self._buf, ""
        if self._state == "reasoning":
            return rest, ""
        return "", rest
