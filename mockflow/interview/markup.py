"""What in an interviewer's turn is not speakable prose: a tool call written as text, code
fences, JSON, XML-ish or chat-template tags, markdown. Small models write these into the
reply; the reply filter removes them and the rehearsal grader counts them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

KINDS = (
    "tool_json",
    "tool_tag",
    "functions_call",
    "code_fence",
    "json",
    "xml_tag",
    "markdown",
)

# Keys that make a JSON object a tool call: OpenAI's {"name", "arguments"}, and the
# {"function": ...} / {"tool": ...} / {"tool_calls": [...]} forms small models copy.
_TOOL_KEYS = frozenset({"function", "tool", "tool_name", "tool_calls", "function_call"})
_ARGUMENT_KEYS = frozenset({"arguments", "parameters", "args", "params", "input"})

TOOL_TAG = re.compile(
    r"</?\s*(?:tool_call|tool_calls|function_call|functioncall|tool_use|tool)\s*>"
    r"|<\|(?:tool_call|tool_calls|python_tag|plugin)[^|<>]*\|>"
    r"|<function\s*=\s*\w+\s*>|</function>"
    r"|\[/?TOOL_CALLS\]",
    re.IGNORECASE,
)
FUNCTIONS_CALL = re.compile(
    r"\bfunctions\.[A-Za-z_]\w*"
    r"|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\s*\("
)
_JSON_START = re.compile(r"\{|\[\s*\{")
_JSON_STRING_PAIR = re.compile(r'"(\w+)"\s*:\s*"([^"\\]*)"')
_JSON_KEY = re.compile(r"\{\s*[\"']([A-Za-z_]\w*)[\"']\s*:")
CODE_FENCE = re.compile(r"```|~~~")
CHAT_TAG = re.compile(r"<\|[^|<>\n]{1,40}\|>|</?s>|\[/?INST\]")
XML_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>\n]*)?/?>")
MARKDOWN = re.compile(
    r"\*\*[^*\n]+\*\*"  # bold
    r"|(?<!\w)__[^_\n]+__(?!\w)"  # bold
    r"|(?<![\w*])\*[^*\s][^*\n]*(?<!\s)\*(?![\w*])"  # italic
    r"|^[ \t]{0,3}#{1,6}[ \t]+\S"  # heading
    r"|^[ \t]*[-*+\u2022][ \t]+\S"  # bullet
    r"|^[ \t]*\d{1,2}[.)][ \t]+\S"  # numbered list
    r"|^[ \t]*>[ \t]?\S"  # block quote
    r"|`[^`\n]+`"  # inline code
    r"|\[[^\]\n]+\]\([^)\n]+\)",  # link
    re.MULTILINE,
)


def markup_kinds(text: str) -> list[str]:
    """The kinds of markup in `text`, in the order of `KINDS`; [] for clean spoken prose."""
    found: set[str] = set()
    for value in json_values(text):
        found.add("tool_json" if is_tool_call(value) else "json")
    if TOOL_TAG.search(text):
        found.add("tool_tag")
    if FUNCTIONS_CALL.search(text):
        found.add("functions_call")
    if CODE_FENCE.search(text):
        found.add("code_fence")
    if CHAT_TAG.search(text) or XML_TAG.search(TOOL_TAG.sub(" ", text)):
        found.add("xml_tag")
    if MARKDOWN.search(CODE_FENCE.sub(" ", text)):
        found.add("markdown")
    return [kind for kind in KINDS if kind in found]


def json_values(text: str) -> Iterator[object]:
    """Each top-level JSON object (or array of objects) in `text`; see `json_spans`."""
    for _, _, value in json_spans(text):
        yield value


def json_spans(text: str) -> Iterator[tuple[int, int, object]]:
    """(start, end, value) of each top-level JSON object or array of objects in `text`. A
    brace that opens no parsable JSON still counts when it reads like JSON (`{"key": ...`
    cut off): it spans to its closing brace or the end of the text and is given as a dict
    holding the key it names, so a broken tool call is still one."""
    decoder = json.JSONDecoder()
    position = 0
    while True:
        match = _JSON_START.search(text, position)
        if match is None:
            return
        start = match.start()
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            key = _JSON_KEY.match(text, start)
            if key is None:
                position = start + 1
                continue
            end = broken_json_end(text, start)
            value = {key.group(1): None, **dict(_JSON_STRING_PAIR.findall(text, start, end))}
        yield start, end, value
        position = end


def is_tool_call(value: object) -> bool:
    """Whether a parsed JSON value has the shape of a tool call."""
    if isinstance(value, list):
        return any(is_tool_call(item) for item in value)
    if not isinstance(value, dict):
        return False
    keys = set(value)
    if keys & _TOOL_KEYS:
        return True
    return "name" in keys and (bool(keys & _ARGUMENT_KEYS) or len(keys) == 1)


def broken_json_end(text: str, start: int) -> int:
    """Where the brace-balanced span opened at `start` ends, strings skipped; the end of
    `text` when it never closes (a reply cut off inside its JSON)."""
    depth = 0
    quote = ""
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)
