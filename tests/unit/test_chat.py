"""Chat messages rendered into one prompt."""

from __future__ import annotations

import pytest

from appliance.engine.chat import ChatRenderer
from appliance.errors import EngineFailure, InvalidArgument
from appliance.generation import BUILTIN_TEMPLATES, Message


def test_gemma_template_folds_system_into_first_user_turn() -> None:
    """Gemma has no system role: system text opens the next user turn."""
    r = ChatRenderer(BUILTIN_TEMPLATES["gemma"], bos_token="<bos>")
    text = r.render([Message("system", "Be brief."), Message("user", "Hi?"),
                     Message("assistant", "Hello."), Message("user", "Bye?")])
    assert ("<bos><start_of_turn>user\nBe brief.\n\nHi?<end_of_turn>\n"
            "<start_of_turn>model\nHello.<end_of_turn>\n"
            "<start_of_turn>user\nBye?<end_of_turn>\n<start_of_turn>model\n") == text


def test_plain_fallback_without_template() -> None:
    """A model with no template gets the documented Role: content lines."""
    r = ChatRenderer(None)
    assert not r.has_template
    assert "System: s\nUser: u\nAssistant:" == r.render([Message("system", "s"),
                                                        Message("user", "u")])


def test_template_exception_is_invalid_argument() -> None:
    """A template's raise_exception becomes INVALID_ARGUMENT naming messages."""
    tpl = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('user first') }}{% endif %}"
    with pytest.raises(InvalidArgument) as info:
        ChatRenderer(tpl).render([Message("assistant", "x")])
    assert "messages" == info.value.field
    assert "user first" in info.value.message


def test_template_cannot_reach_python_internals() -> None:
    """Templates come from model files: the sandbox refuses attribute escapes, and the
    failure is an opaque engine failure."""
    from jinja2.exceptions import SecurityError

    tpl = "{{ messages.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(EngineFailure) as info:
        ChatRenderer(tpl).render([Message("user", "x")])
    assert isinstance(info.value.__cause__, SecurityError)
