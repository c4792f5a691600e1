"""Articles from raw text and records: title found, text cleaned, language detected, content hashed."""

from __future__ import annotations

import hashlib
import re

from rag.errors import IngestError
from rag.problems import Problem
from rag.text.cleaning import clean_text, content_hash, plain_markup, strip_controls
from rag.text.dates import date_in_text, normalize_date
from rag.text.language import detect
from rag.types import Article


def _looks_like_title(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 30 and len(line) <= 200 and not line.endswith((".", ":", ";", ","))


def split_title(text: str) -> tuple[str, str]:
    """Title and body of a plain-text article.

    A Markdown ``# heading`` wins; otherwise the first headline-like line among
    the first few (a one-word rubric such as "Politique" before it is dropped).
    """
    lines = text.split("\n")
    for index, line in enumerate(lines[:10]):
        if re.match(r"^#\s+\S", line):
            return line.lstrip("#").strip(), "\n".join(lines[index + 1 :]).strip()
    nonblank = [(i, line) for i, line in enumerate(lines) if line.strip()]
    for i, line in nonblank[:4]:
        if _looks_like_title(line.strip()):
            return line.strip(), "\n".join(lines[i + 1 :]).strip()
    if nonblank:
        first = nonblank[0][1].strip()
        return (first[:120] + ("…" if len(first) > 120 else "")), text
    return "", text


def make_article(
    *,
    text: str,
    title: str = "",
    id: str | None = None,
    date: str | None = None,
    source: str = "",
    url: str | None = None,
    lang: str | None = None,
    authors: tuple[str, ...] = (),
    clean: bool = True,
) -> Article:
    """Build a clean Article; the id is kept, else derived from the URL, else from the content."""
    body = clean_text(text) if clean else text
    if not body.strip():
        raise IngestError(Problem("no_text"))
    title = re.sub(r"\s+", " ", strip_controls(plain_markup(title or ""))).strip()
    source = strip_controls(plain_markup(source or "")).strip()
    authors = tuple(strip_controls(a) for a in authors)
    digest = content_hash(body)
    if not id:
        id = "url-" + hashlib.sha256(url.encode()).hexdigest()[:16] if url else "doc-" + digest[:16]
    language = (lang or "").lower() or detect(f"{title}\n{body}")
    return Article(
        id=str(id),
        title=title,
        text=body,
        date=date or None,
        source=source or "",
        url=url or None,
        lang=language,
        authors=tuple(authors),
        content_hash=digest,
    )


def article_from_text(text: str, source: str) -> Article:
    """A plain-text or Markdown article: title from its first heading-like line."""
    text = clean_text(text)
    if not text:
        raise IngestError(Problem("no_text"))
    title, body = split_title(text)
    return make_article(text=body or text, title=title, source=source, date=date_in_text(body or text), clean=False)


def article_from_record(record: dict, where: str) -> Article:
    """An Article from a JSON object in the documented article schema."""
    if not isinstance(record, dict):
        raise IngestError(Problem("not_object", where=where))
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IngestError(Problem("no_text_field", where=where))
    authors = record.get("authors") or ()
    if isinstance(authors, str):
        authors = (authors,)
    try:
        return make_article(
            text=text,
            title=str(record.get("title") or ""),
            id=record.get("id"),
            date=normalize_date(record.get("date")),
            source=str(record.get("source") or ""),
            url=record.get("url"),
            lang=record.get("lang"),
            authors=tuple(str(a) for a in authors),
        )
    except IngestError as exc:
        raise IngestError(Problem("at", where=where, reason=str(exc))) from None
