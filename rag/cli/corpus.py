"""Corpus commands: add, list, show, remove, reindex, stats, and feeds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rag.cli.app import EXIT_NOTHING_STORED, App, echo, emit_json, filter_options, filters, main
from rag.cli.progress import Bars


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
    from rag import IngestReport

    report = IngestReport()
    files = [i for i in inputs if i != "-"]
    if "-" in inputs:
        report.merge(pipeline.add_text(sys.stdin.read(), source="stdin"))
    if files:
        report.merge(
            pipeline.add(files, tuple(include), tuple(exclude), progress=Bars("articles", app.quiet).ingest("adding"))
        )
    print_report(report, as_json)
    if report.rejected and not (report.added or report.updated or report.skipped):
        sys.exit(EXIT_NOTHING_STORED)  # scripts see that nothing of what they gave was stored


@main.command("list")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def list_cmd(app: App, since, until, sources, langs, as_json):
    """List articles, newest first.

    \b
    Examples:
      newsdesk list --lang fr --since 2024-01-01
      newsdesk list --source Reuters --json
    """
    rows = [r.summary() for r in app.pipeline().articles(filters(since, until, sources, langs))]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        echo(
            f"{(row['date'] or '')[:10]:<10}  {row['lang']:<2}  {row['id']:<28}  {row['source'][:18]:<18}  "
            f"{row['title'][:70]}"
        )
    echo(f"{len(rows)} articles", err=True)


def story_dict(records: list) -> dict[str, Any]:
    """A story as shown: its articles (oldest first), sources and languages."""
    return {
        "id": records[0].story or records[0].article.id if records else None,
        "articles": [
            {
                "id": r.article.id,
                "title": r.article.title,
                "date": r.article.date,
                "source": r.article.source,
                "lang": r.article.lang,
            }
            for r in records
        ],  # fmt: skip
        "sources": sorted({r.article.source for r in records if r.article.source}),
        "languages": sorted({r.article.lang for r in records if r.article.lang}),
    }


@main.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def show_cmd(app: App, article_id, as_json):
    """Show one article with its metadata and text."""
    from rag.errors import StoreError

    record = app.pipeline().store.get_articles([article_id]).get(article_id)
    if record is None:
        raise StoreError(f"no article {article_id!r} — see `newsdesk list`")
    a = record.article
    data: dict[str, Any] = {
        "id": a.id,
        "title": a.title,
        "date": a.date,
        "source": a.source,
        "url": a.url,
        "lang": a.lang,
        "authors": list(a.authors),
        "content_hash": a.content_hash,
        "chunks": record.n_chunks,
        "duplicate_of": record.duplicate_of or None,
        "story": story_dict(app.pipeline().story(article_id)),
        "text": a.text,
    }
    if as_json:
        emit_json(data)
        return
    for key in ("id", "title", "date", "source", "url", "lang", "authors", "chunks", "duplicate_of"):
        if data[key]:
            value = data[key]
            echo(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    story = data["story"]
    if len(story["articles"]) > 1:
        others = ", ".join(m["id"] for m in story["articles"] if m["id"] != a.id)
        echo(f"story: {len(story['articles'])} articles, {len(story['sources'])} sources, "
             f"{'/'.join(story['languages'])} — also {others}")  # fmt: skip
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
    report = pipeline.reindex(progress=Bars("articles", app.quiet).ingest("reindexing"))
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


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup_cmd(app: App, destination):
    """Save the whole data directory (store, feeds, conversations) and an article export to a .tar.gz."""
    from rag import backup

    manifest = backup(app.pipeline(), destination)
    echo(f"{manifest['articles']} articles saved to {destination}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a data directory that is not empty.")
@click.pass_obj
def restore_cmd(app: App, source, force):
    """Restore a backup made by `newsdesk backup` into the data directory."""
    from rag import restore

    manifest = restore(app.settings(), source, force)
    echo(f"restored {manifest['articles']} articles from {source} ({manifest['created']})")
