"""Whether a new article reports the same event as a stored one: the rule that groups articles into stories. Pure.

Two signals, both readable across French and English:

- the similarity of the two articles' leads (their first chunks' vectors, which the index already holds);
- the names and numbers they share (« Sulawesi », « 384 », « Kavanaugh »), compared on their first letters so
  that « Indonésie » meets « Indonesia ».

A new article joins the story of the stored article that scores best, if that score clears ``THRESHOLD`` and
the two were not published more than ``MAX_DAYS`` apart; otherwise it opens a story of its own. Measured on
the NTREX articles (the same article in English and in French) mixed with 7,930 distractor articles: see
``bench/stories.py`` and the README.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rag.text.names import fold

MIN_SIMILARITY = 0.8  # leads less similar than this are never the same event
TERMS_WEIGHT = 0.4  # how much the shared names and numbers add to the leads' similarity
THRESHOLD = 1.10  # similarity + weight x shared share: 0.95 with half the names shared, 0.91 with all
MAX_DAYS = 7  # two dated articles further apart than this are different events
LEAD_CHARS = 1500  # where the names of the event are
PREFIX = 5  # letters a name keeps: « Indonésie » and « Indonesia » both read « indon »

_WORD = re.compile(r"\w[\w'’-]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")


def story_terms(text: str) -> frozenset[str]:
    """The names (capitalised words past a sentence's first) and numbers of the text's lead, folded."""
    terms: set[str] = set()
    for sentence in _SENTENCE.split(text[:LEAD_CHARS]):
        for i, word in enumerate(_WORD.findall(sentence)):
            if any(c.isdigit() for c in word):
                digits = re.sub(r"\D", "", word)  # « 3,5 » and « 3.5 », « 1 000 » and « 1,000 » read alike
                if len(digits) >= 2:
                    terms.add("#" + digits)
            elif i > 0 and word[0].isupper() and len(word) > 2:
                terms.add(fold(word)[:PREFIX])
    return frozenset(terms)


def shared(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the shorter list of terms that the other has too."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Neighbour:
    """A stored article near a new one: its story, its lead's similarity to the new lead, its terms and date."""

    story: str
    similarity: float
    terms: frozenset[str]
    day: date | None


def apart(a: date | None, b: date | None) -> bool:
    """Two dates too far apart for one event (an undated article is never too far)."""
    return bool(a and b and abs((a - b).days) > MAX_DAYS)


def score(similarity: float, a: frozenset[str], b: frozenset[str]) -> float:
    return similarity + TERMS_WEIGHT * shared(a, b)


def same_story(terms: frozenset[str], day: date | None, neighbours: Sequence[Neighbour]) -> str | None:
    """The story a new article with these terms and date joins, or None when it opens its own."""
    best, best_score = None, THRESHOLD
    for n in neighbours:
        if n.similarity < MIN_SIMILARITY:
            continue
        if apart(day, n.day):
            continue
        s = score(n.similarity, terms, n.terms)
        if s >= best_score:
            best, best_score = n.story, s
    return best
