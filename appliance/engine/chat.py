"""Turning chat messages into one prompt string.

A GGUF usually carries its chat template (``tokenizer.chat_template``, Jinja2). We render it in a
sandboxed Jinja2 environment, as llama.cpp and Hugging Face do, with ``add_generation_prompt``.
A model without a template gets the documented plain fallback::

    System: <content>
    User: <content>
    Assistant: <content>
    Assistant:

one line per message (role capitalised), then ``Assistant:`` for the answer. Generation of a
chat stops at the next turn marker (:data:`TRANSCRIPT_STOPS`), which a base model will
otherwise write as it goes on imagining the conversation. The built-in ``transcript`` template
is the same format as a named template: small *base* models (the embedded default, Gemma 3 270M)
follow it, where they ignore turn markers such as Gemma's ``<start_of_turn>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from appliance.errors import EngineFailure, InvalidArgument
from appliance.generation import BUILTIN_TEMPLATES, TRANSCRIPT_STOPS, Message


def _raise(message: str) -> NoReturn:
    raise _TemplateRejected(message)


class _TemplateRejected(Exception):
    """The template itself refused the conversation (its ``raise_exception``)."""


class ChatRenderer:
    def __init__(self, template: str | None, bos_token: str = "", eos_token: str = "") -> None:
        self.template_source = template
        self.bos_token = bos_token
        self.eos_token = eos_token
        self._template: jinja2.Template | None = None
        if template:
            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                                undefined=jinja2.StrictUndefined)
            env.globals["raise_exception"] = _raise
            self._template = env.from_string(template)

    @property
    def has_template(self) -> bool:
        return self._template is not None

    @property
    def stops(self) -> tuple[str, ...]:
        """Stop strings every chat answer gets: the next turn of a transcript."""
        if self._template is None or self.template_source == BUILTIN_TEMPLATES["transcript"]:
            return TRANSCRIPT_STOPS
        return ()

    def render(self, messages: Sequence[Message]) -> str:
        if self._template is None:
            return plain_fallback(messages)
        try:
            return self._template.render(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                add_generation_prompt=True,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
            )
        except _TemplateRejected as exc:
            # e.g. Gemma's template rejects roles that do not alternate user/assistant.
            raise InvalidArgument(f"messages: the model's chat template rejects them: {exc}",
                                  field="messages") from exc
        except jinja2.TemplateError as exc:
            # A broken (or hostile) template in the model file: the sandbox stopped it.
            raise EngineFailure("chat template failed", cause=repr(exc)) from exc


def plain_fallback(messages: Sequence[Message]) -> str:
    lines = [f"{m.role.capitalize()}: {m.content}" for m in messages]
    lines.append("Assistant:")
    return "\n".join(lines)
