"""Publication dates: normalising given dates, and finding one in an article's first lines.

``dateparser`` reads French and English date phrases but is slow, so it only
ever sees short candidate phrases picked by a regex from the first lines.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import cache

_MONTHS = (
    r"janv(?:ier)?|févr(?:ier)?|fevr(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[uû]t|sept(?:embre)?|oct(?:obre)?|nov(?:embre)?|déc(?:embre)?|dec(?:embre)?|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|october|november|december"
)
_CANDIDATES = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?)?"
    rf"|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}"
    rf"|(?:1er|\d{{1,2}})\s+(?:{_MONTHS})\.?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE,
)


def normalize_date(value) -> str | None:
    """An ISO 8601 string (date, or UTC date-time) from what sources give, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, time.struct_time):
        value = datetime(*value[:6], tzinfo=UTC)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (
            value.isoformat(timespec="seconds")
            if (value.hour, value.minute, value.second) != (0, 0, 0)
            else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    try:
        return normalize_date(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return normalize_date(parsedate_to_datetime(text))  # RFC 2822, as in RSS
    except (TypeError, ValueError, IndexError):
        pass
    return date_in_text(text, lines=1)


def date_in_text(text: str, lines: int = 5, max_chars: int = 400) -> str | None:
    """The first date phrase in the first ``lines`` lines of ``text``, as ISO, or None."""
    head = "\n".join(text.strip().split("\n")[:lines])[:max_chars]
    for match in _CANDIDATES.finditer(head):
        parsed = _parse(match.group(0))
        if parsed is not None:
            return normalize_date(parsed)
    return None


def _parse(phrase: str) -> datetime | None:
    import dateparser

    phrase = re.sub(r"\b1er\b", "1", phrase)
    settings = {
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    return dateparser.parse(phrase, languages=["fr", "en"], settings=settings)


LANGS = ("fr", "en")


@cache
def month_names(lang: str) -> tuple[str, ...]:
    """Month names in ``lang`` (French or English, from Babel's CLDR data), January first."""
    from babel.dates import get_month_names

    return tuple(str(m) for m in get_month_names("wide", locale=lang if lang in LANGS else "en").values())


def format_date(iso: str | None, lang: str) -> str:
    """``12 mars 2024`` / ``12 March 2024``; empty when unknown, as given when not a date."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    from babel.dates import format_date as babel_format_date

    return str(babel_format_date(day, "d MMMM y", locale=lang if lang in LANGS else "en"))


def iso_to_epoch(date: str | None) -> int | None:
    """Integer epoch seconds (UTC) of an ISO 8601 date or date-time, or None."""
    if not date:
        return None
    try:
        parsed = datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
