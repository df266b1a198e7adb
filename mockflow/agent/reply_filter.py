"""The filter between the model and everything downstream of a reply: the committed turn,
text mode's live drafts, voice captions and the voice.

A reply is fed in as the model streams it. Prose passes a sentence at a time; a piece
that may hold markup (an open brace, fence or tag, a half-written `<|im_end|>`) is held
until it closes or the reply ends, then made speakable (`interview.speakable`) and put
through the turn's rules (`interview.reply_rules`). A tool call the model wrote as text
comes out as a `TextCall` in the order it was written; the caller decides what to do.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from livekit.agents import ChatContext, ChatMessage

from mockflow.interview.reply_rules import TurnRules, asks, split_sentences
from mockflow.interview.speakable import STOP, TextCall, speakable

Piece = str | TextCall

_BOUNDARY = re.compile(r"[.!?][\"')\]]*[ \t]+|\n")
_FENCE = re.compile(r"```|~~~")
_BLOCK_TAGS = ("tool_call", "tool_calls", "function_call", "functioncall", "tool_use", "think")
_OPEN_TAG = re.compile(rf"<({'|'.join(_BLOCK_TAGS)})>", re.I)
_HALF_TAG = re.compile(r"<[|/A-Za-z=][^<>\n]*$|\[[A-Z_/]*$")
# the fences of `interview.prompts.data_block`; a question given to ask (a coach's, the
# stage's suggested one) may be asked as written
_DATA_BLOCK = re.compile(r"<<<BEGIN_CANDIDATE_DATA (\w+)>>>(.*?)<<<END_CANDIDATE_DATA \1>>>", re.S)


def turn_rules(prompt: ChatContext) -> TurnRules:
    """The rules for a reply to `prompt`, which must not recite its instructions or the
    documents in them (questions given to ask aside) nor echo the candidate's words."""
    instructions, candidate, said = [], [], []
    for item in prompt.items:
        if isinstance(item, ChatMessage) and item.role in ("system", "developer"):
            instructions.append(_DATA_BLOCK.sub(_recitable, item.text_content or ""))
        elif isinstance(item, ChatMessage) and item.role == "user":
            candidate.append(item.text_content or "")
        elif isinstance(item, ChatMessage) and item.role == "assistant":
            said.append(item.text_content or "")
    return TurnRules(instructions=instructions, candidate=candidate, said=said)


def _recitable(block: re.Match[str]) -> str:
    return " " if block.group(1).endswith("QUESTION") else f" {block.group(2)} "


class ReplyFilter:
    def __init__(self, tools: Collection[str], rules: TurnRules | None = None) -> None:
        self._tools = tuple(tools)
        self.rules = rules or TurnRules()
        self._pending = ""
        self._stopped = False
        self.said = ""  # everything let through in this turn

    def feed(self, delta: str) -> list[Piece]:
        """What may be said (and the calls written) now that `delta` has arrived."""
        if self._stopped or not delta:
            return []
        grown_from = max(0, len(self._pending) - 2)
        self._pending += delta
        stop = STOP.search(self._pending)
        if stop is not None:  # the model's turn ends here
            self._pending = self._pending[: stop.start()]
            self._stopped = True
            return self._release(len(self._pending))
        if _BOUNDARY.search(self._pending, grown_from) is None:
            return []  # no new place to cut: nothing new can be released
        return self._release(_safe_end(self._pending))

    def asks(self) -> bool:
        """Whether the turn so far asks the candidate something, counting the words still
        held back (a question not yet let through is asked all the same)."""
        return self.rules.asked or self.rules.requested or asks(self._pending)

    def finish(self) -> list[Piece]:
        """The rest of the reply, whatever it holds; the filter may then take another
        generation of the same turn (the rules carry over)."""
        pieces = self._release(len(self._pending))
        self._stopped = False
        return pieces

    def _release(self, end: int) -> list[Piece]:
        if end <= 0:
            return []
        text, self._pending = self._pending[:end], self._pending[end:]
        clean = speakable(text, self._tools)
        pieces: list[Piece] = list(clean.calls)
        for sentence in split_sentences(clean.text):
            kept = self.rules.accept(sentence)
            if kept:
                piece = f" {kept}" if self.said else kept
                self.said += piece
                pieces.append(piece)
        return pieces


def _safe_end(text: str) -> int:
    """Where the longest prefix of `text` that ends a sentence and leaves no construct
    open ends; 0 when there is none yet."""
    for boundary in reversed(list(_BOUNDARY.finditer(text))):
        if not _open(text[: boundary.end()]):
            return boundary.end()
    return 0


def _open(text: str) -> bool:
    """Whether `text` ends inside JSON, a fence, a tool-call or thinking block, or a tag."""
    if len(_FENCE.findall(text)) % 2 or _HALF_TAG.search(text):
        return True
    for tag in _OPEN_TAG.findall(text):
        if len(re.findall(rf"<{tag}>", text, re.I)) > len(re.findall(rf"</{tag}>", text, re.I)):
            return True
    return _depth(text) > 0


def _depth(text: str) -> int:
    """How many braces and brackets are open at the end of `text` (strings inside JSON
    skipped; apostrophes in prose are not quotes)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"' and depth > 0:
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]" and depth > 0:
            depth -= 1
    return depth
