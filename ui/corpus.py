"""The articles tab: add (upload, paste, URL, feeds), browse, read and delete articles."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import gradio as gr

from rag.errors import NewsdeskError
from rag.feeds import FeedList, opml_feeds
from rag.pipeline import HTTP_URL
from rag.sources import SUPPORTED_SUFFIXES

from .i18n import t

COLUMNS = ["id", "title", "date", "source", "lang", "chunks"]


def report_markdown(report, lang: str) -> str:
    """The end-of-add summary: added, updated, skipped, rejected with reasons (escaped)."""
    fr = lang == "fr"
    lines = [f"**{len(report.added)}** {'ajoutés' if fr else 'added'}, **{len(report.updated)}** {'mis à jour' if fr else 'updated'}, "
             f"**{len(report.skipped)}** {'ignorés (déjà présents)' if fr else 'skipped (already there)'}, "
             f"**{len(report.rejected)}** {'refusés' if fr else 'rejected'} — {report.chunks} {'passages' if fr else 'chunks'}, {report.seconds:.1f} s"]
    for article, original in report.duplicates:
        lines.append(f"- {'quasi-doublon' if fr else 'near-duplicate'}: `{html.escape(article)}` ≈ `{html.escape(original)}`")
    for problem in report.rejected:
        lines.append(f"- ⚠ {html.escape(problem)}")
    return "\n".join(lines)


def article_rows(pipeline, query: str = "") -> list[list]:
    records = pipeline.store.list_articles()
    records.sort(key=lambda r: (r.article.date or "", r.article.id), reverse=True)
    q = (query or "").strip().lower()
    return [[r.article.id, r.article.title, (r.article.date or "")[:10], r.article.source, r.article.lang, r.n_chunks]
            for r in records if not q or q in r.article.title.lower() or q in r.article.source.lower()]


def article_html(record) -> str:
    a = record.article
    meta = " · ".join(html.escape(p) for p in ((a.date or "")[:10], a.source, a.lang) if p)
    url = f"<div><small>{html.escape(a.url)}</small></div>" if a.url else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in a.text.split("\n") if p.strip())
    return f"<div class='nd-article'><h3>{html.escape(a.title or a.id)}</h3><div><small>{meta}</small></div>{url}{body}</div>"


def build_corpus_tab(pipeline, labels: list, lang_state: gr.State) -> None:
    selected = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            with gr.Accordion(open=True) as upload_box:
                files = gr.File(file_count="multiple", file_types=sorted(SUPPORTED_SUFFIXES), elem_id="nd-upload")
                add_files = gr.Button(variant="primary", elem_id="nd-add-files")
            with gr.Accordion(open=False) as paste_box:
                pasted = gr.Textbox(lines=6, show_label=False, elem_id="nd-paste")
                add_text = gr.Button(elem_id="nd-add-text")
            with gr.Accordion(open=False) as url_box:
                url = gr.Textbox(show_label=False, elem_id="nd-url", max_lines=1)
                add_url = gr.Button(elem_id="nd-add-url")
            with gr.Accordion(open=False) as feed_box:
                feed_url = gr.Textbox(show_label=False, elem_id="nd-feed-url", max_lines=1)
                with gr.Row():
                    follow = gr.Button(size="sm")
                    unfollow = gr.Button(size="sm")
                    update = gr.Button(size="sm")
                opml = gr.File(file_types=[".opml", ".xml"], elem_id="nd-opml")
                feeds_table = gr.Dataframe(headers=["url", "title", "entries"], interactive=False, wrap=True)
            summary = gr.Markdown(elem_id="nd-add-summary")
        with gr.Column(scale=3, min_width=420):
            search = gr.Textbox(elem_id="nd-article-search", max_lines=1)
            table = gr.Dataframe(headers=COLUMNS, value=lambda: article_rows(pipeline), interactive=False, wrap=True,
                                 max_height=420, elem_id="nd-articles", column_widths=["17%", "45%", "12%", "14%", "5%", "7%"])
            selection = gr.Textbox(interactive=False, elem_id="nd-selection")
            with gr.Row():
                delete = gr.Button(variant="stop", size="sm", elem_id="nd-delete")
                confirm = gr.Button(variant="stop", visible=False, size="sm", elem_id="nd-confirm-delete")
                cancel = gr.Button(visible=False, size="sm", elem_id="nd-cancel-delete")
            reader = gr.HTML(elem_id="nd-reader")

    labels += [(upload_box, "label", "upload"), (files, "label", "upload"), (add_files, "value", "add_files"), (paste_box, "label", "paste"),
               (add_text, "value", "add_text"), (url_box, "label", "url"), (add_url, "value", "add_url"), (feed_box, "label", "feeds"),
               (follow, "value", "follow"), (unfollow, "value", "remove_feed"), (update, "value", "update_feeds"), (opml, "label", "opml"),
               (search, "label", "search_articles"), (selection, "label", "selected"), (delete, "value", "delete"),
               (confirm, "value", "confirm_delete"), (cancel, "value", "cancel"), (feed_url, "placeholder", "feed_url")]

    def refresh(query=""):
        return article_rows(pipeline, query)

    def run_add(action, lang, progress):
        try:
            report = action(lambda done, total, chunks: progress(done / total if total else 1.0, desc=f"{done}/{total}"))
        except NewsdeskError as exc:
            gr.Warning(str(exc))
            return f"⚠ {html.escape(str(exc))}", refresh()
        return report_markdown(report, lang), refresh()

    uploads = Path(pipeline.settings.data_dir) / "uploads"

    def on_files(paths, lang, progress=gr.Progress()):
        # Gradio only hands over files uploaded through it (in the data directory's uploads/): never another server path.
        paths = [Path(p) for p in (paths or []) if Path(p).resolve().is_relative_to(uploads.resolve())]
        try:
            return run_add(lambda cb: pipeline.add(paths, progress=cb), lang, progress)
        finally:
            for path in paths:  # the text is in the store now
                shutil.rmtree(path.parent, ignore_errors=True) if path.parent != uploads else path.unlink(missing_ok=True)

    def on_text(text, lang, progress=gr.Progress()):
        return run_add(lambda cb: pipeline.add_text(text or "", source="web"), lang, progress)

    def on_url(address, lang, progress=gr.Progress()):
        # Only http(s) addresses: local paths are for the command line, never for whoever reaches the page.
        return run_add(lambda cb: pipeline.add_url(address or "", progress=cb), lang, progress)

    add_files.click(on_files, [files, lang_state], [summary, table], concurrency_id="ingest")
    add_text.click(on_text, [pasted, lang_state], [summary, table], concurrency_id="ingest")
    add_url.click(on_url, [url, lang_state], [summary, table], concurrency_id="ingest")
    search.change(refresh, [search], [table])

    feeds = FeedList(Path(pipeline.settings.data_dir))

    def feed_rows():
        return [[f.url, f.title, len(f.seen)] for f in feeds.load()]

    def on_follow(address):
        try:
            pipeline.add_feed(address.strip())
        except NewsdeskError as exc:
            gr.Warning(str(exc))
        return feed_rows()

    def on_unfollow(address):
        if not feeds.remove(address.strip()):
            gr.Warning(f"not following {address}")
        return feed_rows()

    def on_update(lang, progress=gr.Progress()):
        summary_md, rows = run_add(lambda cb: pipeline.update_feeds(progress=cb), lang, progress)
        return summary_md, rows, feed_rows()

    def on_opml(path):
        if path:
            try:
                for address, title in opml_feeds(Path(path)):
                    if HTTP_URL.match(address):
                        feeds.add(address, title)
                    else:
                        gr.Warning(f"skipped {address[:80]}: not an http(s) address")
            except NewsdeskError as exc:
                gr.Warning(str(exc))
            finally:
                Path(path).unlink(missing_ok=True)
        return feed_rows()

    follow.click(on_follow, [feed_url], [feeds_table])
    unfollow.click(on_unfollow, [feed_url], [feeds_table])
    update.click(on_update, [lang_state], [summary, table, feeds_table], concurrency_id="ingest")
    opml.upload(on_opml, [opml], [feeds_table])
    feed_box.expand(feed_rows, None, [feeds_table])

    def on_select(chosen: list, rows, evt: gr.SelectData):
        row = evt.index[0]
        try:
            article_id = rows.iloc[row, 0] if hasattr(rows, "iloc") else rows[row][0]
        except (IndexError, KeyError):
            return chosen, ", ".join(chosen), gr.update()
        chosen = [c for c in chosen if c != article_id] if article_id in chosen else [*chosen, article_id]
        record = pipeline.store.get_articles([article_id]).get(article_id)
        return chosen, ", ".join(chosen), article_html(record) if record else ""

    table.select(on_select, [selected, table], [selected, selection, reader])

    def ask_confirm(chosen):
        return gr.update(visible=bool(chosen)), gr.update(visible=bool(chosen))

    delete.click(ask_confirm, [selected], [confirm, cancel])
    cancel.click(lambda: (gr.update(visible=False), gr.update(visible=False)), None, [confirm, cancel])

    def do_delete(chosen, query):
        removed = pipeline.store.remove(list(chosen)) if chosen else []
        gr.Info(f"{len(removed)} removed")
        return [], "", "", refresh(query), gr.update(visible=False), gr.update(visible=False)

    confirm.click(do_delete, [selected, search], [selected, selection, reader, table, confirm, cancel])
