"""The reasoning budget: how many tokens a sequence may spend inside ``<think>…</think>``.

The budget follows the raw text of one sequence: before the answer opens ``<think>`` (for
``think_tags``), inside it (``think_tags_open`` starts there), and done once ``</think>``
appears, the answer shows it does not reason, or the budget is spent — then the engine writes
:data:`CLOSE_REASONING` itself and the model goes on to the answer.

A request's ``reasoning_effort`` (OpenAI's name) scales the tier's budget
(:func:`effort_budget`): ``high`` is the tier's ``reasoning_budget``, ``medium`` half of it,
``low`` a quarter; ``minimal`` and ``none`` close the reasoning after its first token (the
engine cannot take back a ``<think>`` the chat template already opened). A tier without a
budget is limited only by ``max_tokens``, so there the shares are of ``max_tokens``.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.engine.types import SamplingParams
from appliance.generation import REASONING_EFFORTS  # noqa: F401 - re-exported (its old home)

#: What the engine appends when a reasoning budget runs out.
CLOSE_REASONING = "\n</think>\n\n"
OPEN = "<think>"
CLOSE = "</think>"
#: Effort -> divisor of the budget.
_SHARE = {"low": 4, "medium": 2}


def effort_budget(configured: int, effort: str, max_tokens: int) -> int:
    """The reasoning budget for ``effort`` ("" = not asked: the tier's ``configured`` one) on a
    tier whose budget is ``configured`` (0: none), for a request of ``max_tokens``."""
    if effort in ("", "high"):
        return configured
    if effort in ("none", "minimal"):
        return 1
    return max(1, (configured or max_tokens) // _SHARE[effort])


@dataclass
class ReasoningBudget:
    #: Tokens allowed inside the reasoning (0: no budget).
    budget: int = 0
    #: "before" (the answer may still open <think>), "inside", "done".
    state: str = "done"
    spent: int = 0
    #: The latest raw text, enough to see a tag split over tokens.
    recent: str = ""

    @classmethod
    def of(cls, p: SamplingParams) -> ReasoningBudget:
        if p.reasoning_budget <= 0 or p.reasoning == "none":
            return cls()
        return cls(p.reasoning_budget, "inside" if p.reasoning == "think_tags_open" else "before")

    @property
    def active(self) -> bool:
        return self.state != "done"

    def spend(self, raw: str) -> bool:
        """Follow one token's text; True when the budget ran out with this token (the
        caller then closes the reasoning itself)."""
        if self.state == "done":
            return False
        self.recent = (self.recent + raw)[-64:]
        if self.state == "before":
            head = self.recent.lstrip()
            if head.startswith(OPEN):
                self.state, self.recent = "inside", head[len(OPEN):]
            elif head and not OPEN.startswith(head[:len(OPEN)]):
                self.state = "done"  # the answer does not open with reasoning
            return False
        if CLOSE in self.recent:
            self.state = "done"
            return False
        self.spent += 1
        if self.spent < self.budget:
            return False
        self.state = "done"
        return True
