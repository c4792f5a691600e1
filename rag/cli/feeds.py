"""``newsdesk feed``: follow RSS/Atom feeds, import OPML, update (once or polling)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from rag.cli.app import App, echo, emit_json, main
from rag.cli.corpus import print_report
from rag.cli.progress import Bars


@main.group("feed")
def feed_group():
    """Follow RSS/Atom feeds: add, list, remove, import OPML, update."""


@feed_group.command("add")
@click.argument("url")
@click.pass_obj
def feed_add(app: App, url):
    """Follow the feed at URL (checked now; its entries come with `newsdesk feed update`)."""
    title = app.pipeline().add_feed(url)
    echo(f"following {url}" + (f" ({title})" if title else ""))


@feed_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def feed_list(app: App, as_json):
    """The followed feeds."""
    from rag import FeedList

    feeds = FeedList(app.settings().data_dir).load()
    rows = [
        {
            "url": f.url,
            "title": f.title,
            "entries_seen": len(f.seen),
            "last_checked": time.strftime("%Y-%m-%d %H:%M", time.localtime(f.last_checked)) if f.last_checked else None,
            "last_error": f.last_error or None,
        }
        for f in feeds
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        echo(
            f"{row['url']}  {row['title']}  ({row['entries_seen']} entries, checked {row['last_checked'] or 'never'})"
            + (f"  error: {row['last_error']}" if row["last_error"] else "")
        )


@feed_group.command("remove")
@click.argument("url")
@click.pass_obj
def feed_remove(app: App, url):
    """Stop following URL (its articles stay in the index)."""
    from rag import FeedList
    from rag.errors import IngestError

    if not FeedList(app.settings().data_dir).remove(url):
        raise IngestError(f"not following {url} — see `newsdesk feed list`")
    echo(f"stopped following {url}")


@feed_group.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def feed_import(app: App, opml):
    """Follow every feed listed in an OPML file."""
    from rag import FeedList, opml_feeds

    feeds = FeedList(app.settings().data_dir)
    found = opml_feeds(opml)
    for url, title in found:
        feeds.add(url, title)
    echo(f"{len(found)} feeds imported")


def parse_interval(text: str) -> float:
    import re

    from rag.errors import ConfigError

    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text.strip())
    if not match:
        raise ConfigError(f"--every {text!r}: use a number with s, m, h or d, e.g. 30m")
    return float(match.group(1)) * {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@feed_group.command("update")
@click.option("--every", metavar="INTERVAL", help="Keep polling at this interval (e.g. 30m, 2h) until stopped.")
@click.option("--json", "as_json", is_flag=True, help="Print each report as JSON.")
@click.option("--brief", "brief_lang", type=click.Choice(["fr", "en"]), help="Then brief what came, in this language.")
@click.pass_obj
def feed_update(app: App, every, as_json, brief_lang):
    """Fetch new entries of every followed feed.

    \b
    Examples:
      newsdesk feed update
      newsdesk feed update --brief fr     # then one sentence per new story
      newsdesk feed update --every 30m
    """
    pipeline = app.pipeline()
    interval = parse_interval(every) if every else None
    if interval is None:
        report = pipeline.update_feeds(progress=Bars("articles", app.quiet).ingest("feeds"))
        if not brief_lang:
            print_report(report, as_json)
            return
        from rag import Filters
        from rag.cli.stories import show_brief

        brought = Filters(article_ids=tuple(report.added + report.updated))
        stories = pipeline.brief("", brought, brief_lang) if brought.article_ids else iter(())
        if as_json:  # one document: the update and its briefing
            emit_json({**report.to_dict(), "stories": [item.to_dict() for item in stories]})
            return
        print_report(report, False)
        show_brief(stories, False, "", brief_lang)
        return
    while True:  # polling outlives any one failed update: it says what went wrong and tries again next time
        try:
            print_report(pipeline.update_feeds(progress=Bars("articles", app.quiet).ingest("feeds")), as_json)
        except Exception as exc:  # noqa: BLE001 — a network, store or disk error must not end the polling
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            echo(
                f"{time.strftime('%Y-%m-%d %H:%M:%S')} feed update failed: {message} — trying again in {every}",
                err=True,
            )
        time.sleep(interval)
