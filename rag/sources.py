"""Reading inputs into Articles: text and Markdown files, JSON/JSONL in the article schema.

Each input yields articles or an ``IngestError`` describing what was wrong
with it; a bad input never stops the rest of a batch.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .cleaning import clean_text, content_hash, strip_controls
from .dates import date_in_text, normalize_date
from .errors import IngestError
from .language import detect
from .types import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSON_SUFFIXES = {".json", ".jsonl"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
# Files that describe a folder rather than hold an article.
SKIPPED_NAMES = ("README*", "LICENSE*", "LICENCE*", "ATTRIBUTION*", "COPYING*", ".*")


@dataclass
class Loaded:
    """Articles read from one input, and the problems found in it."""

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def iter_files(path: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Iterator[Path]:
    """Supported files under ``path`` (recursive), sorted, minus README/LICENSE/ATTRIBUTION."""
    if path.is_file():
        yield path
        return
    for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = candidate.relative_to(path).as_posix()
        if any(part.startswith(".") for part in candidate.relative_to(path).parts):
            continue
        if any(fnmatch.fnmatch(candidate.name, pat) for pat in SKIPPED_NAMES):
            continue
        if include and not any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(candidate.name, pat) for pat in include):
            continue
        if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(candidate.name, pat) for pat in exclude):
            continue
        if candidate.suffix.lower() in SUPPORTED_SUFFIXES:
            yield candidate


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
        raise IngestError("no article text")
    title = re.sub(r"\s+", " ", strip_controls(title or "")).strip()
    source = strip_controls(source or "").strip()
    authors = tuple(strip_controls(a) for a in authors)
    digest = content_hash(body)
    if not id:
        id = "url-" + hashlib.sha256(url.encode()).hexdigest()[:16] if url else "doc-" + digest[:16]
    language = (lang or "").lower() or detect(f"{title}\n{body}")
    return Article(
        id=str(id), title=title, text=body, date=date or None, source=source or "", url=url or None,
        lang=language, authors=tuple(authors), content_hash=digest,
    )


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError("empty file")
    if b"\x00" in raw[:4096]:
        raise IngestError("binary file, not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # French and English legacy files are nearly always Windows-1252; accept it when it yields only Latin letters.
    try:
        text = raw.decode("cp1252")
        letters = [c for c in text if c.isalpha()]
        if letters and sum(c < "\u0250" for c in letters) / len(letters) > 0.99:
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise IngestError("unknown text encoding — save the file as UTF-8")
    return str(best)


def article_from_text(text: str, source: str) -> Article:
    """A plain-text or Markdown article: title from its first heading-like line."""
    text = clean_text(text)
    if not text:
        raise IngestError("no article text")
    title, body = split_title(text)
    return make_article(text=body or text, title=title, source=source, date=date_in_text(body or text), clean=False)


def load_text_file(path: Path) -> Article:
    return article_from_text(_decode(path), source=path.name)


def load_pdf_file(path: Path) -> Article:
    """A text PDF (pypdf); scanned PDFs without a text layer are rejected."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(f"not a readable PDF ({exc})") from None
    text = clean_text("\n\n".join(pages))
    if len(text) < 20:
        raise IngestError("the PDF has no text layer (scanned?) — run OCR on it first")
    if meta_title.strip():
        return make_article(text=text, title=meta_title.strip(), source=path.name, date=date_in_text(text), clean=False)
    title, body = split_title(text)
    return make_article(text=body or text, title=title, source=path.name, date=date_in_text(body or text), clean=False)


def load_html_file(path: Path) -> Article:
    from .web import article_from_html

    return article_from_html(path.read_bytes(), source=path.name)


def article_from_record(record: dict, where: str) -> Article:
    """An Article from a JSON object in the documented article schema."""
    if not isinstance(record, dict):
        raise IngestError(f"{where}: expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IngestError(f"{where}: missing or empty 'text'")
    authors = record.get("authors") or ()
    if isinstance(authors, str):
        authors = (authors,)
    try:
        return make_article(
            text=text, title=str(record.get("title") or ""), id=record.get("id"), date=normalize_date(record.get("date")),
            source=str(record.get("source") or ""), url=record.get("url"), lang=record.get("lang"),
            authors=tuple(str(a) for a in authors),
        )
    except IngestError as exc:
        raise IngestError(f"{where}: {exc}") from None


def load_json_file(path: Path) -> Loaded:
    out = Loaded()
    text = _decode(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
        records = data if isinstance(data, list) else [data]
        for n, record in enumerate(records, 1):
            try:
                out.articles.append(article_from_record(record, f"{path}[{n}]"))
            except IngestError as exc:
                out.errors.append(str(exc))
        return out
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.errors.append(f"{path}:{lineno}: not valid JSON ({exc.msg}) — fix or remove the line")
            continue
        try:
            out.articles.append(article_from_record(record, f"{path}:{lineno}"))
        except IngestError as exc:
            out.errors.append(str(exc))
    return out


def load_path(path: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
              max_bytes: int | None = None) -> Iterator[tuple[Path, Loaded]]:
    """Read every supported file under ``path``."""
    if not path.exists():
        raise IngestError(f"{path} does not exist — check the path")
    if path.is_file() and path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path}: unsupported file type {path.suffix or '(none)'} — use .txt, .md, .html, .pdf, .json or .jsonl")
    for file in iter_files(path, include, exclude):
        try:
            size = file.stat().st_size
            if max_bytes is not None and size > max_bytes:
                raise IngestError(f"{size / 1e6:.0f} MB is over the {max_bytes / 1e6:.0f} MB limit (ingest.max_file_mb)")
            suffix = file.suffix.lower()
            if suffix in JSON_SUFFIXES:
                yield file, load_json_file(file)
            elif suffix in HTML_SUFFIXES:
                yield file, Loaded(articles=[load_html_file(file)])
            elif suffix in PDF_SUFFIXES:
                yield file, Loaded(articles=[load_pdf_file(file)])
            else:
                yield file, Loaded(articles=[load_text_file(file)])
        except IngestError as exc:
            yield file, Loaded(errors=[f"{file}: {exc}"])
        except OSError as exc:
            yield file, Loaded(errors=[f"{file}: cannot read ({exc.strerror})"])
