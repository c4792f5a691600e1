"""RSS and Atom feeds the user follows: the list, OPML import, and fetching new entries.

The list lives in ``feeds.json`` in the data directory (written atomically).
Entries are recognised by GUID, else link, else a hash of their content, so an
update only brings what is new. When an entry carries only a summary, the
full article is fetched from its link.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import IngestError
from rag.ingest.articles import make_article
from rag.ingest.fetch import fetch
from rag.problems import Problem, reason
from rag.text.dates import normalize_date
from rag.types import Article

if TYPE_CHECKING:
    from rag.settings import IngestSettings

log = logging.getLogger(__name__)
FULL_TEXT_CHARS = 600  # an entry body shorter than this is a summary: fetch the page
SEEN_LIMIT = 2000  # entry keys remembered per feed: those still in the feed, then the most recent others


@dataclass
class Feed:
    url: str
    title: str = ""
    added: int = 0
    last_checked: int = 0
    etag: str = ""
    modified: str = ""
    seen: list[str] = field(default_factory=list)
    last_error: str = ""


class FeedList:
    """The followed feeds, persisted as JSON."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "feeds.json"

    def load(self) -> list[Feed]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except ValueError as exc:
            raise IngestError(Problem("feeds_damaged", path=self.path, error=exc)) from None
        return [Feed(**item) for item in raw]

    def save(self, feeds: list[Feed]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".feeds-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump([asdict(f) for f in feeds], fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)

    def add(self, url: str, title: str = "") -> Feed:
        feeds = self.load()
        for feed in feeds:
            if feed.url == url:
                return feed
        feed = Feed(url=url, title=title, added=int(time.time()))
        self.save([*feeds, feed])
        return feed

    def remove(self, url: str) -> bool:
        feeds = self.load()
        kept = [f for f in feeds if f.url != url]
        if len(kept) == len(feeds):
            return False
        self.save(kept)
        return True

    def update(self, changed: Feed) -> None:
        self.save([changed if f.url == changed.url else f for f in self.load()])


def parse_feed(content: bytes, url: str):
    """feedparser's result, or IngestError when the bytes are not a feed."""
    import feedparser

    parsed = feedparser.parse(content)
    if not parsed.entries and not parsed.feed.get("title"):
        reason = str(parsed.get("bozo_exception", "no entries")).splitlines()[0]
        raise IngestError(Problem("not_feed", url=url, reason=reason))
    return parsed


def opml_feeds(path: Path) -> list[tuple[str, str]]:
    """(url, title) of every feed outline in an OPML file."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.parse(str(path)).getroot()
    except (ElementTree.ParseError, OSError) as exc:
        raise IngestError(Problem("bad_opml", path=path, error=exc)) from None
    out = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url:
            out.append((url.strip(), (outline.get("title") or outline.get("text") or "").strip()))
    if not out:
        raise IngestError(Problem("empty_opml", path=path))
    return out


def entry_key(entry) -> str:
    key = entry.get("id") or entry.get("link")
    if key:
        return key
    return "hash:" + hashlib.sha256((entry.get("title", "") + entry.get("summary", "")).encode()).hexdigest()[:24]


def html_fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (feed content), paragraphs on their own lines."""
    import lxml.html

    if not fragment.strip():
        return ""
    try:
        root = lxml.html.fromstring(f"<div>{fragment}</div>")
    except Exception:
        return fragment
    for block in root.iter("p", "br", "div", "li", "h1", "h2", "h3", "h4", "blockquote"):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()


def entry_article(entry: Any, feed_title: str, ingest_settings: IngestSettings) -> Article:
    """The full article of a feed entry (its content, or the page at its link)."""
    title = (entry.get("title") or "").strip()
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    date = normalize_date(published) if published else normalize_date(entry.get("published") or entry.get("updated"))
    link = entry.get("link")
    authors = tuple(a.get("name", "") for a in entry.get("authors", []) if a.get("name")) or (
        (entry.get("author"),) if entry.get("author") else ()
    )
    body = ""
    if entry.get("content"):
        body = html_fragment_text(entry["content"][0].get("value", ""))
    if len(body.strip()) < FULL_TEXT_CHARS and link:
        try:
            from rag.ingest.web import fetch_article

            page = fetch_article(link, ingest_settings, title=title, date=date, source=feed_title)
            return make_article(
                text=page.text,
                title=title or page.title,
                url=page.url or link,
                date=date or page.date,
                source=feed_title or page.source,
                authors=authors or page.authors,
                clean=False,
            )
        except IngestError as exc:
            log.info("full text of %s unavailable (%s); using the feed's text", link, exc)
            if not body.strip():
                body = html_fragment_text(entry.get("summary", ""))
            if not body.strip():
                raise
    if not body.strip():
        body = html_fragment_text(entry.get("summary", ""))
    return make_article(text=body, title=title, url=link, date=date, source=feed_title, authors=authors)


@dataclass
class FeedUpdate:
    feed: Feed
    articles: list[Article]
    keys: list[str]  # entry keys of ``articles``, to mark as seen once stored
    errors: list[str]
    present: list[str] = field(default_factory=list)  # every entry key in the feed now
    failed: list[str] = field(default_factory=list)  # entry keys that could not be read (reported once, not retried)
    deferred: int = 0  # new entries left for the next update (over the cap or the time budget)

    def seen_after(self) -> list[str]:
        """The feed's seen keys once ``keys`` are stored: bounded, keeping those still in the feed."""
        seen = [*self.feed.seen, *self.keys, *self.failed]
        current = set(self.present)
        kept = [k for k in seen if k in current]
        others = [k for k in seen if k not in current]
        return list(dict.fromkeys([*others[-max(0, SEEN_LIMIT - len(kept)) :], *kept]))[-SEEN_LIMIT:]


def fetch_new_entries(feed: Feed, ingest_settings: IngestSettings) -> FeedUpdate:
    """Fetch ``feed`` and build articles for entries not seen before.

    A feed's author chooses the links fetched here, so an update takes at most
    ``ingest.max_feed_entries`` new entries and spends at most
    ``ingest.feed_budget_s`` seconds on them; the rest come with the next update.
    """
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.modified:
        headers["If-Modified-Since"] = feed.modified
    started = time.monotonic()
    page = fetch(feed.url, ingest_settings, headers=headers)
    feed.last_checked = int(time.time())
    if page.status == 304:
        return FeedUpdate(feed, [], [], [], present=list(feed.seen))
    parsed = parse_feed(page.content, feed.url)
    feed.title = feed.title or parsed.feed.get("title", "")
    feed.etag = page.headers.get("etag", "")
    feed.modified = page.headers.get("last-modified", "")
    seen = set(feed.seen)
    update = FeedUpdate(feed, [], [], [], present=[entry_key(e) for e in parsed.entries])
    for entry, key in zip(parsed.entries, update.present, strict=True):
        if key in seen:
            continue
        if (
            len(update.keys) + len(update.errors) >= ingest_settings.max_feed_entries
            or time.monotonic() - started > ingest_settings.feed_budget_s
        ):
            update.deferred += 1
            continue
        try:
            update.articles.append(entry_article(entry, feed.title, ingest_settings))
            update.keys.append(key)
        except IngestError as exc:
            update.errors.append(
                Problem("feed_entry", url=feed.url, entry=entry.get("link") or key, reason=reason(exc))
            )
            update.failed.append(key)
    if update.deferred:
        log.info("%s: %d new entries left for the next update", feed.url, update.deferred)
    return update
