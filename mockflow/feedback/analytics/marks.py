"""One answer marked up for the report: its filler words, hedges and job-description terms.

The marks come from the same rules that count them (`fillers.filler_spans`,
`fillers.hedge_spans`, `interview.terms.term_spans`), so what the report highlights is exactly
what it counts. Where marks overlap, a filler wins over a hedge and a hedge over a term.
The text itself is never changed: joining the segments gives the answer back.
"""

from __future__ import annotations

from collections.abc import Sequence

from mockflow.feedback.analytics.fillers import filler_spans, hedge_spans, tokenize_spans
from mockflow.interview.terms import term_spans

FILLER = "filler"
HEDGE = "hedge"
TERM = "term"

Segment = tuple[str, str]  # (text, kind); kind "" for unmarked text


def mark_answer(text: str, terms: Sequence[str] = ()) -> list[Segment]:
    tokens, spans = tokenize_spans(text)
    kinds: list[str] = [""] * len(tokens.words)
    for _, first, last in term_spans(text, terms):
        for i, (start, end) in enumerate(spans):
            if first <= start and end <= last:
                kinds[i] = TERM
    for kind, found in ((HEDGE, hedge_spans(tokens)), (FILLER, filler_spans(tokens))):
        for first, count, _ in found:
            kinds[first : first + count] = [kind] * count
    return _segments(text, spans, kinds)


def _segments(text: str, spans: list[tuple[int, int]], kinds: list[str]) -> list[Segment]:
    """Runs of same-kind words (with the spaces between them) and the plain text around."""
    segments: list[Segment] = []
    pos, i = 0, 0
    while i < len(spans):
        kind = kinds[i]
        if not kind:
            i += 1
            continue
        j = i
        while j + 1 < len(spans) and kinds[j + 1] == kind and _joined(text, spans[j], spans[j + 1]):
            j += 1
        start, end = spans[i][0], spans[j][1]
        if start > pos:
            segments.append((text[pos:start], ""))
        segments.append((text[start:end], kind))
        pos, i = end, j + 1
    if pos < len(text):
        segments.append((text[pos:], ""))
    return segments


def _joined(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    """Two marked words form one run when only spaces separate them."""
    return not text[left[1] : right[0]].strip()
