"""Sentences with exact character offsets, by rules that know French and English punctuation.

« », abbreviations such as « M. » or « etc. », initials and decimal commas do
not end a sentence; a line break always does. Pure.
"""

from __future__ import annotations

import re

# Words that end with a period without ending the sentence (lower-cased, no dot).
ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles dr pr prof me st ste sts vs cf p pp ex env av apr
    no nos vol chap fig éd ed réf art al inc ltd co corp jr sr mr mrs ms gen gén
    col lt sgt capt rev hon gov sen rep dept univ est approx min max tél tel
    janv févr fév avr juil sept oct nov déc jan feb mar apr jun jul aug sep dec
    e.g i.e u.s u.k j.-c
    """.split()
)

_TERMINATOR = re.compile(r"[.!?…]+(?:[ \u00a0\u202f]?[»”]|[\"’')\]])*")
_OPENERS = "«\"“‘'([-—–¿¡"


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] in ".-"):
        start -= 1
    word = text[start:dot].lower().strip(".")
    if not word:
        return False
    if len(word) == 1 and word.isalpha():  # initials: "J. K. Rowling", "M. Dupont"
        return True
    return word in ABBREVIATIONS


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``.

    Line breaks always end a sentence (headings, list items); inside a line a
    sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes) followed
    by white space and a capital, digit or opening quote, unless the period
    closes a known abbreviation or an initial. Spans exclude surrounding blanks.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        segment = line.group()
        cursor = 0
        for m in _TERMINATOR.finditer(segment):
            end = m.end()
            rest = segment[end:]
            nxt = rest.lstrip()
            if not nxt or len(nxt) == len(rest):
                continue  # end of line (handled below) or no space after: "3.5", "U.S.A"
            first = nxt[0]
            if not (first.isupper() or first.isdigit() or first in _OPENERS):
                continue
            if segment[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(segment, m.start()):
                continue
            spans.append((base + cursor, base + end))
            cursor = end + (len(rest) - len(nxt))
        spans.append((base + cursor, base + len(segment)))
    return [strip_span(text, s, e) for s, e in spans if text[s:e].strip()]


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
