"""The reasoning budget: how many tokens a sequence may spend inside ``<think>…</think>``.

The budget follows the raw text of one sequence: before the answer opens ``<think>`` (for
``think_tags``), inside it (``think_tags_open`` starts there), and done once ``</think>``
appears, the answer shows it does not reason, or the budget is spent — then the engine writes
:data:`CLOSE_REASONING` itself and the model goes on to the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.engine.types import SamplingParams

#: What the engine appends when a reasoning budget runs out.
CLOSE_REASONING = "\n</think>\n\n"
OPEN = "<think>"
CLOSE = "</think>"


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
