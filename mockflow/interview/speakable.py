"""Turns what a model wrote into words that can be said: tool calls written as text are
taken out (and named, so the caller can act on them), JSON, code, reasoning, tags and
chat-template tokens removed, markdown unwrapped to its words.

Works on a whole piece of text; `agent/reply_filter` feeds it a streamed reply in pieces
that hold no half-written construct.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from mockflow.interview.markup import is_tool_call, json_spans


@dataclass(frozen=True)
class TextCall:
    """A tool call the model wrote as text instead of calling it."""

    name: str
    arguments: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Speakable:
    text: str
    calls: tuple[TextCall, ...] = ()
    stopped: bool = False  # the model's turn ended inside this text; ignore what follows


# Where a model's turn really ends: its chat template's end tokens, or the model going on
# to write the candidate's part.
STOP = re.compile(
    r"<\|(?:im_end|im_start|endoftext|eot_id|end|end_of_turn|start_header_id)\|>"
    r"|</s>|<end_of_turn>|<start_of_turn>|\[/?INST\]"
    r"|^[ \t]*(?:\*\*)?(?:candidate|user|human|interviewee)(?:\*\*)?[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
_THINKING = re.compile(r"<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.S | re.I)
_TOOL_BLOCK = re.compile(
    r"<(tool_call|tool_calls|function_call|functioncall|tool_use)>(.*?)(?:</\1>|\Z)", re.S | re.I
)
_FUNCTION_TAG = re.compile(r"<function\s*=\s*(\w+)\s*>(.*?)(?:</function>|\Z)", re.S)
_FENCE = re.compile(r"(```|~~~)[ \t]*([\w+-]*)[^\n]*\n?(.*?)(?:\1|\Z)", re.S)
_PLAIN_FENCE = frozenset({"", "text", "txt", "plain", "markdown", "md"})
_CODE_HINT = re.compile(r"[;{}=<>]|\b(?:def|return|import|function|class|var|let|const)\b")
_NAMESPACED = re.compile(r"\b(?:functions|default_api|tools?)\.(\w+)\s*:?")
# "Let me call complete_stage()": the words announcing a call go with it
_CALL_LEAD_IN = (
    r"(?:\b(?:i'll|i will|let me|let's|now i'll)\s+(?:call|use|run|invoke)?\s*(?:the\s+)?)?"
)
_CHAT_TAG = re.compile(r"<\|[^|<>\n]{1,40}\|>|\[/?TOOL_CALLS\]|\[/?TOOL_RESULTS\]")
_XML_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>\n]*)?/?>")
_SPEECH_KEYS = ("question", "response", "reply", "text", "message", "content", "answer")
_TERMINAL = ".!?:;,"

_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)
_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.M)
_ITEM = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,2}[.)])[ \t]+(.*)$", re.M)
_INLINE = (
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<!\w)__(.+?)__(?!\w)"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?!\s)([^_\n]+?)(?<!\s)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
    (re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)"), r"\1"),
    (re.compile(r"\*{2,}|`+|#{2,}"), ""),
)
# "(Alex joined.)", "(smiles)": a stage direction between sentences is not said
_ASIDE = re.compile(r"(^|[.!?:]\s+|\n)[ \t]*\([^()\n]*\)(?=\s*(?:$|\n|[A-Z]))")
# a list marker or quote sign written after a sentence on the same line
_LATE_MARKER = re.compile(r"(^|[.!?:] )(?:[-*+>\u2022]|\d{1,2}[.)]) +")
_LABEL = re.compile(
    r"^[ \t]*(?:interviewer|assistant|ai|bot|system|question|response|answer)[ \t]*:[ \t]*",
    re.I | re.M,
)


def speakable(text: str, tools: Collection[str] = ()) -> Speakable:
    """`text` as words to say; tool calls to any name are removed, and those to a name in
    `tools` returned as `calls`."""
    stop = STOP.search(text)
    if stop is not None:
        text = text[: stop.start()]
    calls: list[TextCall] = []
    text = _THINKING.sub(" ", text)
    text = _TOOL_BLOCK.sub(lambda m: _take_calls(m.group(2), calls, " "), text)
    text = _FUNCTION_TAG.sub(lambda m: _named_call(m.group(1), m.group(2), calls), text)
    text = _FENCE.sub(_unfence, text)
    text = _take_calls(text, calls, None)
    text = _NAMESPACED.sub(lambda m: _named_call(m.group(1), "", calls), text)
    if tools:
        names = "|".join(re.escape(name) for name in tools)
        called = re.compile(
            rf"{_CALL_LEAD_IN}\b(?:\w+\.)?({names})\s*\(([^()]*)\)(?:\s+(?:now|here|first))?", re.I
        )
        text = called.sub(lambda m: _named_call(m.group(1), "", calls), text)
    text = _XML_TAG.sub(" ", _CHAT_TAG.sub(" ", text))
    text = _unmark(text)
    text = _ASIDE.sub(r"\1", text)
    known = tuple(call for call in calls if call.name in tools)
    return Speakable(_tidy(text), known, stopped=stop is not None)


def _take_calls(text: str, calls: list[TextCall], replacement: str | None) -> str:
    """Remove every JSON value from `text`, noting tool calls; a non-tool object holding
    one spoken line (`{"question": "..."}`) gives that line. With a `replacement`, the
    whole text goes (a tool-call block)."""
    pieces = []
    position = 0
    for start, end, value in json_spans(text):
        pieces.append(text[position:start])
        if is_tool_call(value):
            calls.extend(_calls_in(value))
        else:
            pieces.append(f" {_spoken_line(value)} ")
        position = end
    pieces.append(text[position:])
    return replacement if replacement is not None else "".join(pieces)


def _calls_in(value: object) -> list[TextCall]:
    if isinstance(value, list):
        return [call for item in value for call in _calls_in(item)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("tool_calls"), list):
        return _calls_in(value["tool_calls"])
    name = value.get("name")
    for key in ("function", "tool", "tool_name", "function_call"):
        inner = value.get(key)
        if isinstance(inner, dict):
            return _calls_in(inner)
        if isinstance(inner, str):
            name = inner
    arguments: object = next(
        (value[k] for k in ("arguments", "parameters", "args") if k in value), {}
    )
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            arguments = {}
    if not isinstance(name, str):
        return []
    return [TextCall(name, arguments if isinstance(arguments, dict) else {})]


def _named_call(name: str, body: str, calls: list[TextCall]) -> str:
    found: list[TextCall] = []
    _take_calls(body, found, "")
    calls.append(TextCall(name, found[0].arguments if found else {}))
    return " "


def _spoken_line(value: object) -> str:
    if isinstance(value, dict):
        for key in _SPEECH_KEYS:
            line = value.get(key)
            if isinstance(line, str) and not _XML_TAG.search(line):
                return line
    return ""


def _unfence(match: re.Match[str]) -> str:
    language, body = match.group(2).lower(), match.group(3)
    if any(True for _ in json_spans(body)):
        return f" {body} "  # the JSON pass takes it
    if language in _PLAIN_FENCE and not _CODE_HINT.search(body):
        return f" {body} "
    return " "


def _unmark(text: str) -> str:
    text = _RULE.sub(" ", text)
    text = _HEADING.sub(lambda m: _as_sentence(m.group(1)), text)
    text = _QUOTE.sub("", text)
    text = _ITEM.sub(lambda m: _as_sentence(m.group(1)), text)
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return _LABEL.sub("", text)


def _as_sentence(line: str) -> str:
    """A heading or list item becomes its own sentence when spoken."""
    line = line.strip()
    return line if not line or line[-1] in _TERMINAL else f"{line}."


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = _LATE_MARKER.sub(r"\1", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"[,;:]+([.!?])", r"\1", text)
    text = re.sub(r"([.!?])(?:\s*[.,;:])+", r"\1", text)
    return text.strip().lstrip(".,;:!- ").strip()
