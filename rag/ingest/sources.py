"""Reading inputs into Articles: files and folders (text, Markdown, HTML, PDF, JSON/JSONL in the article schema),
and web pages.

Each input yields articles or an ``IngestError`` describing what was wrong
with it; a bad input never stops the rest of a batch.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import IngestError
from rag.ingest.articles import article_from_record, article_from_text, make_article, split_title
from rag.problems import Problem, reason
from rag.text.cleaning import clean_text
from rag.text.dates import date_in_text
from rag.types import Article

if TYPE_CHECKING:
    from rag.settings import IngestSettings

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


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise IngestError(Problem("empty_file"))
    if b"\x00" in raw[:4096]:
        raise IngestError(Problem("binary"))
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
        raise IngestError(Problem("encoding"))
    return str(best)


def load_text_file(path: Path) -> Article:
    return article_from_text(_decode(path), source=path.name)


def load_pdf_file(path: Path) -> Article:
    """A text PDF (pypdf); scanned PDFs without a text layer are rejected."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its repairs of a damaged file as warnings; the one line that rejects or adds the file says enough.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(Problem("bad_pdf", error=exc)) from None
    text = clean_text("\n\n".join(pages))
    if len(text) < 20:
        raise IngestError(Problem("pdf_no_text"))
    if meta_title.strip():
        return make_article(text=text, title=meta_title.strip(), source=path.name, date=date_in_text(text), clean=False)
    title, body = split_title(text)
    return make_article(text=body or text, title=title, source=path.name, date=date_in_text(body or text), clean=False)


def load_html_file(path: Path) -> Article:
    from rag.ingest.web import article_from_html

    return article_from_html(path.read_bytes(), source=path.name)


def load_json_file(path: Path) -> Loaded:
    out = Loaded()
    text = _decode(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(Problem("bad_json", line=str(exc.lineno), error=exc.msg)) from None
        records = data if isinstance(data, list) else [data]
        for n, record in enumerate(records, 1):
            try:
                out.articles.append(article_from_record(record, f"{path}[{n}]"))
            except IngestError as exc:
                out.errors.append(reason(exc))
        return out
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.errors.append(Problem("bad_json_line", where=f"{path}:{lineno}", error=exc.msg))
            continue
        try:
            out.articles.append(article_from_record(record, f"{path}:{lineno}"))
        except IngestError as exc:
            out.errors.append(reason(exc))
    return out


def load_path(
    path: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), max_bytes: int | None = None
) -> Iterator[tuple[Path, Loaded]]:
    """Read every supported file under ``path``."""
    if not path.exists():
        raise IngestError(Problem("no_path", path=path))
    if path.is_file() and path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise IngestError(Problem("file_type", path=path, suffix=path.suffix or "—"))
    for file in iter_files(path, include, exclude):
        try:
            size = file.stat().st_size
            if max_bytes is not None and size > max_bytes:
                raise IngestError(Problem("file_too_big", size=f"{size / 1e6:.0f}", limit=f"{max_bytes / 1e6:.0f}"))
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
            yield file, Loaded(errors=[Problem("at", where=file, reason=reason(exc))])
        except OSError as exc:
            yield file, Loaded(errors=[Problem("at", where=file, reason=Problem("unreadable", error=exc.strerror))])


URL_LIKE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def read_inputs(
    inputs: Sequence[str | Path], ingest: IngestSettings, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()
) -> tuple[list[Article], list[str]]:
    """Articles from files, folders and URLs (http(s) only), and the problems met (one line each)."""
    from rag.ingest.web import fetch_article

    articles: list[Article] = []
    rejected: list[str] = []
    for item in inputs:
        try:
            if URL_LIKE.match(str(item)):
                articles.append(fetch_article(str(item), ingest))
                continue
            for _file, loaded in load_path(Path(item), include, exclude, int(ingest.max_file_mb * 1e6)):
                rejected.extend(loaded.errors)
                articles.extend(loaded.articles)
        except IngestError as exc:
            rejected.append(reason(exc))
    return articles, rejected
