"""Corpus commands: add, list, show, remove, reindex, stats, and feeds."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli import App, echo, emit_json, main


def progress_printer(label: str):
    """Progress on stderr: articles, chunks, rate and ETA (only on a terminal)."""
    start = time.perf_counter()
    interactive = sys.stderr.isatty()

    def report(done: int, total: int, chunks: int) -> None:
        if not interactive or total == 0:
            return
        elapsed = max(time.perf_counter() - start, 1e-6)
        eta = (total - done) * elapsed / done if done else 0
        line = (f"{label}: {done}/{total} articles ({100 * done / total:.0f}%), {chunks} chunks, "
                f"{chunks / elapsed:.1f} chunks/s, ETA {int(eta // 60)}m{int(eta % 60):02d}s")
        click.echo("\r" + line.ljust(100), nl=False, err=True)
        if done == total:
            echo("", err=True)

    return report


def print_report(report, as_json: bool) -> None:
    if as_json:
        emit_json(report.to_dict())
        return
    echo(report.summary())
    for article, original in report.duplicates:
        echo(f"  near-duplicate: {article} copies {original} (both kept, linked)", err=True)
    for problem in report.rejected:
        echo(f"  rejected: {problem}", err=True)


@main.command("add")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--include", multiple=True, help="Only files matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Skip files matching this glob (repeatable).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the index already holds articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def add_cmd(app: App, inputs, include, exclude, if_empty, as_json):
    """Add articles from files, folders, web pages (URLs) or standard input (-).

    Files: .txt .md .html .htm .pdf .json .jsonl (the article schema). Folders are
    read recursively; README*, LICENSE* and ATTRIBUTION* files are skipped.

    \b
    Examples:
      newsdesk add corpus/
      newsdesk add articles.jsonl --json
      newsdesk add https://example.org/2024/03/12/article.html
      newsdesk add ~/saved --include '*.html' --exclude 'drafts/*'
      pbpaste | newsdesk add -
    """
    pipeline = app.pipeline()
    if if_empty and not pipeline.is_empty():
        echo("the index already holds articles; nothing to do", err=True)
        return
    from .ingest import IngestReport

    report = IngestReport()
    files = [i for i in inputs if i != "-"]
    if "-" in inputs:
        report.merge(pipeline.add_text(sys.stdin.read(), source="stdin"))
    if files:
        report.merge(pipeline.add(files, tuple(include), tuple(exclude), progress=progress_printer("adding")))
    print_report(report, as_json)


def _date_filters(since, until, sources, langs):
    from .types import Filters

    return Filters(since=since, until=until, sources=tuple(sources), langs=tuple(langs))


@main.command("list")
@click.option("--since", metavar="DATE", help="Published on or after DATE.")
@click.option("--until", metavar="DATE", help="Published before DATE.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--lang", "langs", multiple=True, help="Only this language (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def list_cmd(app: App, since, until, sources, langs, as_json):
    """List articles, newest first.

    \b
    Examples:
      newsdesk list --lang fr --since 2024-01-01
      newsdesk list --source Reuters --json
    """
    records = app.pipeline().store.list_articles(_date_filters(since, until, sources, langs))
    records.sort(key=lambda r: (r.article.date or "", r.article.id), reverse=True)
    rows = [{"id": r.article.id, "title": r.article.title, "date": r.article.date, "source": r.article.source,
             "lang": r.article.lang, "url": r.article.url, "chunks": r.n_chunks, "duplicate_of": r.duplicate_of or None} for r in records]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        echo(f"{(row['date'] or '')[:10]:<10}  {row['lang']:<2}  {row['id']:<28}  {row['source'][:18]:<18}  {row['title'][:70]}")
    echo(f"{len(rows)} articles", err=True)


@main.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def show_cmd(app: App, article_id, as_json):
    """Show one article with its metadata and text."""
    from .errors import StoreError

    record = app.pipeline().store.get_articles([article_id]).get(article_id)
    if record is None:
        raise StoreError(f"no article {article_id!r} — see `newsdesk list`")
    a = record.article
    data = {"id": a.id, "title": a.title, "date": a.date, "source": a.source, "url": a.url, "lang": a.lang,
            "authors": list(a.authors), "content_hash": a.content_hash, "chunks": record.n_chunks,
            "duplicate_of": record.duplicate_of or None, "text": a.text}
    if as_json:
        emit_json(data)
        return
    for key in ("id", "title", "date", "source", "url", "lang", "authors", "chunks", "duplicate_of"):
        if data[key]:
            echo(f"{key}: {', '.join(data[key]) if isinstance(data[key], list) else data[key]}")
    echo("")
    echo(a.text)


@main.command("remove")
@click.argument("article_ids", nargs=-1, required=True)
@click.pass_obj
def remove_cmd(app: App, article_ids):
    """Remove articles (and their chunks) from the index."""
    removed = app.pipeline().store.remove(list(article_ids))
    missing = sorted(set(article_ids) - set(removed))
    echo(f"{len(removed)} removed")
    for id in missing:
        echo(f"  not found: {id}", err=True)


@main.command("reindex")
@click.pass_obj
def reindex_cmd(app: App):
    """Re-chunk and re-embed every article (after changing the embedder or chunking).

    The new index is built beside the old one and swapped in at the end, so an
    interrupted reindex loses nothing: run it again.
    """
    pipeline = app.pipeline()
    report = pipeline.reindex(progress=progress_printer("reindexing"))
    echo(report.summary())


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def stats_cmd(app: App, as_json):
    """Counts of articles and chunks, by language and source, and the date range."""
    data = app.pipeline().stats()
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if isinstance(value, dict):
            echo(f"{key}: " + ", ".join(f"{k or '?'} {v}" for k, v in value.items()))
        else:
            echo(f"{key}: {value}")


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
    from .feeds import FeedList

    feeds = FeedList(app.settings().data_dir).load()
    rows = [{"url": f.url, "title": f.title, "entries_seen": len(f.seen),
             "last_checked": time.strftime("%Y-%m-%d %H:%M", time.localtime(f.last_checked)) if f.last_checked else None,
             "last_error": f.last_error or None} for f in feeds]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        echo(f"{row['url']}  {row['title']}  ({row['entries_seen']} entries, checked {row['last_checked'] or 'never'})"
                   + (f"  error: {row['last_error']}" if row["last_error"] else ""))


@feed_group.command("remove")
@click.argument("url")
@click.pass_obj
def feed_remove(app: App, url):
    """Stop following URL (its articles stay in the index)."""
    from .errors import IngestError
    from .feeds import FeedList

    if not FeedList(app.settings().data_dir).remove(url):
        raise IngestError(f"not following {url} — see `newsdesk feed list`")
    echo(f"stopped following {url}")


@feed_group.command("import")
@click.argument("opml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def feed_import(app: App, opml):
    """Follow every feed listed in an OPML file."""
    from .feeds import FeedList, opml_feeds

    feeds = FeedList(app.settings().data_dir)
    found = opml_feeds(opml)
    for url, title in found:
        feeds.add(url, title)
    echo(f"{len(found)} feeds imported")


def parse_interval(text: str) -> float:
    import re

    from .errors import ConfigError

    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text.strip())
    if not match:
        raise ConfigError(f"--every {text!r}: use a number with s, m, h or d, e.g. 30m")
    return float(match.group(1)) * {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@feed_group.command("update")
@click.option("--every", metavar="INTERVAL", help="Keep polling at this interval (e.g. 30m, 2h) until stopped.")
@click.option("--json", "as_json", is_flag=True, help="Print each report as JSON.")
@click.pass_obj
def feed_update(app: App, every, as_json):
    """Fetch new entries of every followed feed.

    \b
    Examples:
      newsdesk feed update
      newsdesk feed update --every 30m
    """
    pipeline = app.pipeline()
    interval = parse_interval(every) if every else None
    if interval is None:
        print_report(pipeline.update_feeds(progress=progress_printer("feeds")), as_json)
        return
    while True:  # polling outlives any one failed update: it says what went wrong and tries again next time
        try:
            print_report(pipeline.update_feeds(progress=progress_printer("feeds")), as_json)
        except Exception as exc:  # noqa: BLE001 — a network, store or disk error must not end the polling
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} feed update failed: {message} — trying again in {every}", err=True)
        time.sleep(interval)


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup_cmd(app: App, destination):
    """Save the whole data directory (store, feeds, conversations) and an article export to a .tar.gz."""
    from .backup import backup

    manifest = backup(app.pipeline(), destination)
    echo(f"{manifest['articles']} articles saved to {destination}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a data directory that is not empty.")
@click.pass_obj
def restore_cmd(app: App, source, force):
    """Restore a backup made by `newsdesk backup` into the data directory."""
    from .backup import restore

    manifest = restore(app.settings(), source, force)
    echo(f"restored {manifest['articles']} articles from {source} ({manifest['created']})")
