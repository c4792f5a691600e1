"""Backup and restore of the whole data directory.

A backup is a ``.tar.gz`` holding the data directory (store, BM25 index,
feeds, conversations) plus ``export/articles.jsonl``, every article in the
documented schema. Restoring extracts into a fresh folder and swaps it in, so
a failed restore leaves the current data untouched. With a Chroma server the
store lives on the server: the restore re-adds the exported articles to it.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import NewsdeskError
from rag.store import locking
from rag.store.guard import indexed_embedder

if TYPE_CHECKING:
    from rag.pipeline import Pipeline
    from rag.settings import Settings

RESERVE_BYTES = 200_000_000  # left free after a restore, so the store can still write

SKIP = {"uploads", locking.LOCK_NAME}  # transient web uploads, and the writer lock


def _export_articles(pipeline: Pipeline, path: Path) -> int:
    records = pipeline.store.list_articles(with_text=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            a = r.article
            fh.write(
                json.dumps(
                    {
                        "id": a.id,
                        "title": a.title,
                        "text": a.text,
                        "date": a.date,
                        "source": a.source,
                        "url": a.url,
                        "lang": a.lang,
                        "authors": list(a.authors),
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return len(records)


def backup(pipeline: Pipeline, destination: Path) -> dict[str, Any]:
    """Write the data directory and an article export to ``destination`` (.tar.gz)."""
    data_dir = Path(pipeline.settings.data_dir)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "articles.jsonl"
        count = _export_articles(pipeline, export)
        manifest = {
            "version": 1,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "articles": count,
            "embedder": indexed_embedder(pipeline.store),
            "store": "server" if pipeline.settings.store.url else "embedded",
        }
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            if data_dir.exists():
                for item in sorted(data_dir.iterdir()):
                    if item.name not in SKIP and not item.name.startswith("."):
                        tar.add(item, arcname=f"data/{item.name}")
            tar.add(export, arcname="export/articles.jsonl")
            info = tarfile.TarInfo("manifest.json")
            raw = json.dumps(manifest).encode()
            info.size = len(raw)
            import io

            tar.addfile(info, io.BytesIO(raw))
        os.replace(partial, destination)
    return manifest


def _check_contents(data: Path, source: Path) -> None:
    """Refuse a backup whose conversations or feed list are not what Newsdesk writes (they reach the page)."""
    from rag.answer.conversations import parse
    from rag.ingest.feeds import Feed

    folder = data / "conversations"
    if folder.exists():
        for path in folder.rglob("*"):
            if path.is_dir():
                continue
            try:
                parse(path.read_text(encoding="utf-8"), path.stem)
            except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                raise NewsdeskError(
                    f"{source}: conversation file {path.relative_to(data)} is not valid ({exc}) — refusing to "
                    f"restore it"
                ) from None
    feeds = data / "feeds.json"
    if feeds.exists():
        try:
            for item in json.loads(feeds.read_text(encoding="utf-8")):
                feed = Feed(**item)
                if not isinstance(feed.url, str) or not isinstance(feed.seen, list):
                    raise ValueError("bad feed entry")
        except (OSError, ValueError, TypeError) as exc:
            raise NewsdeskError(f"{source}: feeds.json is not valid ({exc}) — refusing to restore it") from None


def restore(settings: Settings, source: Path, force: bool = False) -> dict[str, Any]:
    """Replace the data directory by the backup's; with a Chroma server, make the server's articles the backup's."""
    from rag.pipeline import build

    data_dir = Path(settings.data_dir)
    if data_dir.exists() and any(p.name not in SKIP for p in data_dir.iterdir()) and not force:
        raise NewsdeskError(f"{data_dir} is not empty — pass --force to replace it with the backup")
    locking.hold_data_dir(data_dir)  # not while another process (the web chat, an add) uses this data directory
    try:
        tar = tarfile.open(source, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise NewsdeskError(
            f"{source} is not a Newsdesk backup ({exc}) — give the .tar.gz written by `newsdesk backup`"
        ) from None
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f".{data_dir.name}-restore-"))
    try:
        with tar:
            names = tar.getnames()
            if "manifest.json" not in names:
                raise NewsdeskError(f"{source} has no manifest — it is not a Newsdesk backup")
            for member in tar.getmembers():
                if (
                    not (member.isfile() or member.isdir())
                    or member.name.startswith("/")
                    or ".." in Path(member.name).parts
                ):
                    raise NewsdeskError(f"{source}: unsafe entry {member.name!r} — refusing to restore it")
            expanded = sum(m.size for m in tar.getmembers())
            free = shutil.disk_usage(staging).free
            if expanded > free - RESERVE_BYTES:
                raise NewsdeskError(
                    f"{source} expands to {expanded / 1e9:.1f} GB but only {free / 1e9:.1f} GB is free at "
                    f"{data_dir.parent} "
                    "— free some space (or it is not a genuine backup)"
                )
            tar.extractall(staging, filter="data")
        manifest = json.loads((staging / "manifest.json").read_text())
        new_data = staging / "data"
        new_data.mkdir(exist_ok=True)
        _check_contents(new_data, source)
        shutil.rmtree(new_data / "bm25", ignore_errors=True)  # derived from the store: rebuilt, never trusted
        shutil.copy2(staging / "export" / "articles.jsonl", new_data / ".restored-articles.jsonl")
        retired = None
        if data_dir.exists():
            retired = data_dir.with_name(f".{data_dir.name}-before-restore-{int(time.time())}")
            os.replace(data_dir, retired)
        os.replace(new_data, data_dir)
        locking.release_data_dir(data_dir)  # the lock file moved away with the old data
        locking.hold_data_dir(data_dir)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    exported = data_dir / ".restored-articles.jsonl"
    if settings.store.url:  # the server holds the store: make its articles the backup's
        pipeline = build(settings)
        report = pipeline.add([exported])
        kept = {json.loads(line)["id"] for line in exported.read_text(encoding="utf-8").splitlines() if line.strip()}
        extra = [r.article.id for r in pipeline.store.list_articles() if r.article.id not in kept]
        pipeline.store.remove(extra)
        manifest["readded"] = len(report.added) + len(report.updated)
        manifest["removed"] = len(extra)
    exported.unlink(missing_ok=True)
    return manifest
