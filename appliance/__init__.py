"""llm-appliance: a secure edge / on-prem LLM appliance."""

__version__ = "0.1.0"
