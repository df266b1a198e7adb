"""The interviewer's one tool, `complete_stage`, and whether a provider is offered it.

Without the tool the FSM's timer and question budget move the stages, and the
instructions do not mention it; a call a model writes as text is still taken
(`reply_filter`)."""

from __future__ import annotations

from mockflow.contracts.launch_spec import LLMProvider

STAGE_TOOL = "complete_stage"


def offers_stage_tool(provider: LLMProvider) -> bool:
    """The launch spec's choice, else only OpenAI itself (no `base_url`): the small
    models behind OpenAI-compatible servers write tool calls as text."""
    if provider.tool_calls is not None:
        return provider.tool_calls
    return provider.base_url is None
