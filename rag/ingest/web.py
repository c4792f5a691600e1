"""Articles from web pages: saved HTML files and URLs, extracted with trafilatura."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rag.errors import IngestError
from rag.ingest.articles import make_article
from rag.ingest.fetch import fetch
from rag.problems import Problem
from rag.text.dates import date_in_text, normalize_date
from rag.types import Article

if TYPE_CHECKING:
    from rag.settings import IngestSettings

log = logging.getLogger(__name__)
logging.getLogger("trafilatura").setLevel(logging.ERROR)
MIN_WORDS = 12  # fewer words than this is navigation, not an article


def article_from_html(
    html: str | bytes, url: str | None = None, source: str = "", date: str | None = None, title: str = ""
) -> Article:
    """The article in a page: body, title, date, site name, canonical URL, authors."""
    import trafilatura

    doc: Any = trafilatura.bare_extraction(  # a trafilatura Document (a dict only with as_dict=True)
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    if doc is None or not (doc.text or "").strip():
        where = url or source or "the page"
        raise IngestError(Problem("no_page_text", where=where))
    text = doc.text.strip()
    page_title = (doc.title or title or "").strip()
    first, _, rest = text.partition("\n")
    if page_title and first.strip() == page_title:
        text = rest.strip()  # the headline repeated at the top of the body
    if len(text.split()) < MIN_WORDS:
        raise IngestError(Problem("few_words", where=url or source or "—", n=len(text.split())))
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    found_date = normalize_date(doc.date) or date or date_in_text(text)
    return make_article(
        text=text,
        title=page_title,
        url=doc.url or url,
        date=found_date,
        source=doc.sitename or doc.hostname or source,
        authors=authors,
    )


def fetch_article(
    url: str, ingest_settings: IngestSettings, title: str = "", date: str | None = None, source: str = ""
) -> Article:
    """Download ``url`` and extract its article."""
    page = fetch(url, ingest_settings)
    if "html" not in page.content_type and not page.content.lstrip()[:100].lower().startswith((b"<!doctype", b"<html")):
        raise IngestError(Problem("not_page", url=url, type=page.content_type or "?"))
    article = article_from_html(page.content, url=page.url, source=source, date=date, title=title)
    return article
