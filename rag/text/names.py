"""Names in questions and passages: the spans a follow-up can replace, and whether a passage mentions a name. Pure.

A name is a run of capitalised words (with the joining words of French and
English titles: « Accord de Paris », « Bank of England ») that does not open
the sentence, with the article before it (« la Chine », « the Kremlin »).
Names match across French and English by their first letters, accents and
case aside (« Russie » / « Russia », « Chine » / « China »).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_WORD = r"[A-ZÀ-ÖØ-Þ][\w’'-]*"
_JOIN = r"(?:de|du|des|d['’]|of)"
NAME = re.compile(
    rf"(?:\b(?:la|le|les|the)\s+|\bl['’]|\b(?:du|des|de la)\s+)?(?P<name>{_WORD}(?:\s+(?:{_JOIN}\s+)?{_WORD})*)"
)
# What opens an elliptic follow-up: "Et l'Inde ?", "And India?", "What about the Kyoto Protocol?"
FOLLOW_UP_NAME = re.compile(
    r"^\s*(?:and what about|what about|how about|and|et pour|et|mais|but)\s+(?P<phrase>[^?!.]{1,60}?)\s*[?!.]*\s*$",
    re.IGNORECASE,
)
MATCH_PREFIX = 4  # letters two spellings of a name share across French and English
MAX_PHRASE_WORDS = 5


@dataclass(frozen=True)
class Span:
    start: int  # the article's start, when the name has one
    end: int
    name: str  # the name without its article


def fold(text: str) -> str:
    """Lower case without accents: « Pékin » -> « pekin »."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if unicodedata.category(c) != "Mn")


def names(text: str) -> list[Span]:
    """The names in ``text``, but not its first word (« Pourquoi », « What » are capitalised too); a name right after
    it is read without it (« Oliver Sacks » in « Où Oliver Sacks a-t-il été professeur ? »)."""
    first = re.match(r"\s*\S+", text)
    return [Span(m.start(), m.end("name"), m.group("name")) for m in NAME.finditer(text, first.end() if first else 0)]


def substitute(question: str, previous: str, similar: Callable[[str, str], float]) -> str | None:
    """The previous question with the follow-up's name put in place of the name it stands for, or None.

    « Et l'Inde ? » after « Pourquoi la Chine est-elle importante pour la Russie ? » gives
    « Pourquoi l'Inde est-elle importante pour la Russie ? »: of the previous question's names,
    the one most ``similar`` to the new one is replaced (with its article).
    """
    m = FOLLOW_UP_NAME.match(question)
    if not m:
        return None
    phrase = m.group("phrase").strip()
    if len(phrase.split()) > MAX_PHRASE_WORDS or not names(f"x {phrase}"):
        return None
    candidates = names(previous)
    if not candidates:
        return None
    best = max(candidates, key=lambda span: similar(span.name, phrase))
    return previous[: best.start] + phrase + previous[best.end :]


def mentions(name: str, words: Iterable[str]) -> bool:
    """Whether one of ``words`` (a passage's) is this name or its spelling in the other language."""
    parts = [fold(p) for p in re.findall(r"\w+", name) if len(p) > 2]
    if not parts:
        return True
    folded = {fold(w) for w in words}
    return all(
        any(w == p or (len(p) >= MATCH_PREFIX and w[:MATCH_PREFIX] == p[:MATCH_PREFIX]) for w in folded) for p in parts
    )


TOPIC_HEAD = re.compile(r"^([^:«»\"]{3,30}?)\s*:\s")  # "Vendée Globe : …", "Barack Obama : « … »"
SHORT_TITLE = 45


def topic(title: str) -> str | None:
    """What a headline is about, short enough for an example question: a name of two words or more,
    else the head of a "Topic : …" headline, else the whole headline (spaces normalised) when it is short;
    None otherwise.

    « Vendée Globe : Kito de Pavant, heurté par un chalutier, abandonne » -> « Kito de Pavant »."""
    title = " ".join(title.split()).rstrip(" .")
    long_names = [s.name for s in names(title) if len(s.name.split()) >= 2]
    if long_names:
        return max(long_names, key=len)
    head = TOPIC_HEAD.match(title)
    if head and len(head.group(1).strip()) >= 2:
        return head.group(1).strip()
    return title if len(title) <= SHORT_TITLE else None
