"""From what the user typed to what retrieval searches for.

Follow-up questions are completed from the conversation: a new name stands in
for the name of the previous question it resembles most (« Et l'Inde ? » after
« Pourquoi la Chine est-elle importante pour la Russie ? » searches « Pourquoi
l'Inde est-elle importante pour la Russie ? »); other elliptic questions get the
content words of the previous one that they lack. Time phrases become date
filters or a recency preference (``timephrases``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from rag.text.analysis import analyze
from rag.text.names import substitute
from rag.text.timephrases import TimeIntent, parse
from rag.types import Filters, Message

_FOLLOW_UP = re.compile(
    r"^(et|mais|alors|puis|and|but|so|what about|how about|and what about|et pour|et en|et dans|et avec|et sur|et si|"
    r"même question|same question|pareil|idem)\b",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(
    r"\b(il|elle|ils|elles|lui|leur|celui-ci|celle-ci|ce dernier|cette "
    r"dernière|he|she|they|it|them|this|that|these|those)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Plan:
    """What to search: the stand-alone query, its language, filters, and recency."""

    question: str
    query: str
    lang: str
    filters: Filters
    recent: bool = False
    rewritten: bool = False


def is_follow_up(question: str, lang: str) -> bool:
    """Elliptic: starts like a follow-up, says almost nothing, or leans on a pronoun without naming anything."""
    words = analyze(question, lang)
    names = [w for w in re.findall(r"\w+", question)[1:] if w[0].isupper()]
    return (
        bool(_FOLLOW_UP.search(question.strip()))
        or len(words) <= 2
        or (len(words) <= 5 and not names and bool(_PRONOUNS.search(question)))
    )


def _first(a: str, b: str) -> float:
    return 0.0  # all names alike: the first one is replaced


def complete_from_history(
    question: str, lang: str, history: Sequence[Message], similar: Callable[[str, str], float] = _first
) -> str:
    """The stand-alone question an elliptic follow-up stands for (see the module's docstring)."""
    previous = next((m.content for m in reversed(history) if m.role == "user"), None)
    if not previous or not is_follow_up(question, lang):
        return question
    substituted = substitute(question, previous, similar)
    if substituted:
        return substituted
    have = set(analyze(question, lang))
    words = re.findall(r"[\w'’-]+", previous)
    extra = [w for w in words if (stems := analyze(w, lang)) and not set(stems) & have]
    return f"{question.rstrip(' ?')} — {' '.join(extra)}" if extra else question


def merge_time(filters: Filters, intent: TimeIntent) -> Filters:
    """Dates the user set explicitly win over dates read in the question."""
    if filters.since or filters.until:
        return filters
    return replace(
        filters,
        since=intent.since.isoformat() if intent.since else None,
        until=intent.until.isoformat() if intent.until else None,
        undated=bool(intent.since or intent.until),  # a date read in a question does not exclude undated articles
    )


def plan(
    question: str,
    lang: str,
    today: date,
    history: Sequence[Message] = (),
    filters: Filters | None = None,
    similar: Callable[[str, str], float] = _first,
) -> Plan:
    filters = filters or Filters()
    standalone = complete_from_history(question, lang, history, similar)
    intent, query = parse(standalone, today)
    if not intent.since and not intent.until and not intent.recent and standalone != question:
        # "What about last year?": the time phrase is in the follow-up itself.
        intent, _ = parse(question, today)
    return Plan(
        question=question,
        query=query,
        lang=lang,
        filters=merge_time(filters, intent),
        recent=intent.recent,
        rewritten=query != question,
    )
