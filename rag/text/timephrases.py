"""Time phrases in questions ("cette semaine", "hier", "en 2019", "latest", "last month"…).

``parse`` turns them into a date range relative to a reference date and/or a
recency preference, and returns the question without the phrase (it only
adds noise to retrieval). Pure; the reference date is passed in.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from rag.text.dates import month_names
from rag.text.numbers import spelled

_MONTH = {name.lower(): i + 1 for lang in ("fr", "en") for i, name in enumerate(month_names(lang))} | {
    "fevrier": 2,
    "aout": 8,
    "decembre": 12,
}
_MONTH_RE = "|".join(sorted(_MONTH, key=len, reverse=True))
_UNITS = {
    "jour": "d",
    "jours": "d",
    "day": "d",
    "days": "d",
    "semaine": "w",
    "semaines": "w",
    "week": "w",
    "weeks": "w",
    "mois": "m",
    "month": "m",
    "months": "m",
    "an": "y",
    "ans": "y",
    "année": "y",
    "années": "y",
    "year": "y",
    "years": "y",
}
_NUM_RE = (
    r"(\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|a|an|one|two|three|four|five|seven|eight|nine|ten)"
)


@dataclass(frozen=True)
class TimeIntent:
    since: date | None = None  # inclusive
    until: date | None = None  # exclusive
    recent: bool = False  # prefer the newest articles


def _month_range(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    return start, start + timedelta(days=calendar.monthrange(year, month)[1])


def _minus(today: date, n: int, unit: str) -> date:
    if unit == "d":
        return today - timedelta(days=n)
    if unit == "w":
        return today - timedelta(weeks=n)
    if unit == "m":
        month = today.month - n
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    return date(today.year - n, today.month, min(today.day, calendar.monthrange(today.year - n, today.month)[1]))


def _rules(today: date):
    """(pattern, handler(match) -> TimeIntent) in priority order."""
    tomorrow = today + timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    prev_month_start = _minus(first_of_month, 1, "m")

    def year_range(y: int) -> tuple[date, date]:
        return date(y, 1, 1), date(y + 1, 1, 1)

    def since_month(m: re.Match) -> TimeIntent:
        month = _MONTH[m.group("month").lower()]
        year = int(m.group("year")) if m.group("year") else (today.year if month <= today.month else today.year - 1)
        return TimeIntent(since=date(year, month, 1), until=tomorrow)

    def in_month(m: re.Match) -> TimeIntent:
        month = _MONTH[m.group("month").lower()]
        year = int(m.group("year")) if m.group("year") else (today.year if month <= today.month else today.year - 1)
        start, end = _month_range(year, month)
        return TimeIntent(since=start, until=end)

    def ago(m: re.Match) -> TimeIntent:
        raw = m.group("n").lower()
        n = int(raw) if raw.isdigit() else spelled(raw) or 1  # « un », "a": one
        return TimeIntent(since=_minus(today, n, _UNITS[m.group("unit").lower()]), until=tomorrow)

    return [
        (
            r"\b(entre|between)\s+(?P<a>(?:19|20)\d\d)\s+(et|and)\s+(?P<b>(?:19|20)\d\d)\b",
            lambda m: TimeIntent(since=date(int(m.group("a")), 1, 1), until=date(int(m.group("b")) + 1, 1, 1)),
        ),
        (rf"\b(depuis|since)\s+(le\s+)?(?P<month>{_MONTH_RE})(\s+(?P<year>(?:19|20)\d\d))?\b", since_month),
        (
            r"\b(depuis|since)\s+(?P<y>(?:19|20)\d\d)\b",
            lambda m: TimeIntent(since=date(int(m.group("y")), 1, 1), until=tomorrow),
        ),
        (r"\b(avant|before)\s+(?P<y>(?:19|20)\d\d)\b", lambda m: TimeIntent(until=date(int(m.group("y")), 1, 1))),
        (
            r"\b(après|apres|after)\s+(?P<y>(?:19|20)\d\d)\b",
            lambda m: TimeIntent(since=date(int(m.group("y")) + 1, 1, 1)),
        ),
        (rf"\b(en|in|au mois de|during)\s+(?P<month>{_MONTH_RE})(\s+(?P<year>(?:19|20)\d\d))?\b", in_month),
        (
            r"\b(en|in|durant|during|pendant)\s+(?P<y>(?:19|20)\d\d)\b",
            lambda m: TimeIntent(*year_range(int(m.group("y")))),
        ),
        (
            rf"\b(il y a|voilà)\s+{_NUM_RE.replace('(', '(?P<n>', 1)}\s+(?P<unit>jours?|semaines?|mois|ans|années?)\b",
            ago,
        ),
        (
            rf"\b(ces|les|au cours des|dans les|over the|in the|the)\s+({_NUM_RE.replace('(', '(?P<n>', 1)}\s+)?"
            r"(derni[eè]re?s?|past|last)\s+(?P<unit>jours|semaines|mois|années|days|weeks|months|years)\b",
            # « ces dernières années » without a number says "lately", not "within a year": a preference, no filter
            lambda m: ago(m) if m.group("n") else TimeIntent(recent=True),
        ),
        (rf"\b(past|last)\s+{_NUM_RE.replace('(', '(?P<n>', 1)}\s+(?P<unit>days?|weeks?|months?|years?)\b", ago),
        (rf"\b{_NUM_RE.replace('(', '(?P<n>', 1)}\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b", ago),
        (
            r"\b(avant-hier|the day before yesterday)\b",
            lambda m: TimeIntent(since=today - timedelta(days=2), until=today - timedelta(days=1)),
        ),
        (r"\b(hier|yesterday)\b", lambda m: TimeIntent(since=today - timedelta(days=1), until=today)),
        (r"\b(aujourd'hui|aujourd’hui|today|ce jour)\b", lambda m: TimeIntent(since=today, until=tomorrow)),
        (r"\b(cette semaine|this week)\b", lambda m: TimeIntent(since=monday, until=tomorrow)),
        (
            r"\b(la semaine (dernière|derniere|passée|passee)|last week)\b",
            lambda m: TimeIntent(since=monday - timedelta(weeks=1), until=monday),
        ),
        (r"\b(ce mois-ci|ce mois|this month)\b", lambda m: TimeIntent(since=first_of_month, until=tomorrow)),
        (
            r"\b(le mois (dernier|passé|passe)|last month)\b",
            lambda m: TimeIntent(since=prev_month_start, until=first_of_month),
        ),
        (
            r"\b(cette année|cette annee|this year)\b",
            lambda m: TimeIntent(since=date(today.year, 1, 1), until=tomorrow),
        ),
        (
            r"\b(l'année (dernière|derniere|passée|passee)|l’année (dernière|passée)|l'an (dernier|passé)|l’an "
            r"(dernier|passé)|last year)\b",
            lambda m: TimeIntent(*year_range(today.year - 1)),
        ),
        (
            r"\b(latest|most recent|recently|recent|newest|dernières nouvelles|dernieres nouvelles|le plus récent|"
            r"les plus récents|récemment|recemment|récent|récente|récents|récentes|dernier en date|dernière en date)\b",
            lambda m: TimeIntent(recent=True),
        ),
    ]


def parse(question: str, today: date) -> tuple[TimeIntent, str]:
    """The time intent of ``question`` and the question without its time phrase."""
    for pattern, handler in _rules(today):
        match = re.search(pattern, question, re.IGNORECASE)
        if match:
            intent = handler(match)
            cleaned = (question[: match.start()] + question[match.end() :]).strip()
            cleaned = re.sub(r"\s{2,}", " ", re.sub(r"\s+([?.!,])", r"\1", cleaned)).strip(" ,")
            return intent, cleaned or question
    return TimeIntent(), question
