"""The articles tab: add (upload, paste, URL, feeds), browse, read and delete articles.

``CorpusHandlers`` holds what each control does (plain methods, testable);
``build_corpus_tab`` lays the controls out and wires them.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from rag import HTTP_URL, SUPPORTED_SUFFIXES, FeedList, IngestReport, Pipeline, fold, localize, opml_feeds, t
from rag.errors import NewsdeskError

from .reader import article_html

COLUMNS = ["id", "title", "date", "source", "lang", "chunks", "story"]
COLUMN_LABELS = ("col_id", "col_title", "col_date", "col_source", "col_lang", "col_chunks", "col_story")
HIDDEN = (gr.update(visible=False), gr.update(visible=False))


def report_markdown(report: IngestReport, lang: str) -> str:
    """The end-of-add summary: added, updated, skipped, rejected with reasons (escaped)."""
    counts = [
        (len(report.added), "added"),
        (len(report.updated), "updated"),
        (len(report.skipped), "skipped_there"),
        (len(report.rejected), "rejected"),
    ]
    lines = [
        ", ".join(f"**{n}** {t(lang, key)}" for n, key in counts)
        + f" — {report.chunks} {t(lang, 'chunks_word')}, {report.seconds:.1f} s"
    ]
    for article, original in report.duplicates:
        lines.append(f"- {t(lang, 'near_duplicate')}: `{html.escape(article)}` ≈ `{html.escape(original)}`")
    lines.extend(f"- ⚠ {html.escape(localize(problem, lang))}" for problem in report.rejected)
    return "\n".join(lines)


def story_cells(records: list[Any]) -> dict[str, str]:
    """Per story with other articles: "3 · en/fr" (its articles and languages); single-article stories show nothing."""
    groups: dict[str, list[Any]] = {}
    for r in records:
        groups.setdefault(r.story or r.article.id, []).append(r)
    return {
        story: f"{len(group)} · {'/'.join(sorted({r.article.lang for r in group if r.article.lang}))}"
        for story, group in groups.items()
        if len(group) > 1
    }


def article_rows(pipeline: Pipeline, query: str = "") -> list[list[Any]]:
    records = pipeline.articles()
    stories = story_cells(records)
    words = fold(query or "").split()  # "vendee globe" finds « Vendée Globe »
    return [
        [r.article.id, r.article.title, (r.article.date or "")[:10], r.article.source, r.article.lang, r.n_chunks]
        + [stories.get(r.story or r.article.id, "")]
        for r in records
        if all(w in fold(f"{r.article.title} {r.article.source}") for w in words)
    ]


class CorpusHandlers:
    """What the articles tab's controls do."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.uploads = Path(pipeline.settings.data_dir) / "uploads"
        self.feeds = FeedList(Path(pipeline.settings.data_dir))

    def refresh(self, query: str = "") -> list[list[Any]]:
        return article_rows(self.pipeline, query)

    def on_search(self, query: str, lang: str) -> tuple[Any, ...]:
        """The matching rows, a line saying so when none match; the selection is cleared with the list it came from."""
        rows = self.refresh(query)
        note = (
            t(lang, "no_article_matches").format(query=html.escape(query.strip())) if query.strip() and not rows else ""
        )
        return rows, gr.update(value=note, visible=bool(note)), [], "", *HIDDEN

    def run_add(self, action: Callable[[Any], IngestReport], lang: str, progress: Any) -> tuple[str, list[list[Any]]]:
        def report_progress(done: int, total: int, chunks: int) -> None:
            progress(done / total if total else 1.0, desc=f"{done}/{total}")

        try:
            report = action(report_progress)
        except NewsdeskError as exc:
            gr.Warning(localize(exc, lang))
            return f"⚠ {html.escape(localize(exc, lang))}", self.refresh()
        return report_markdown(report, lang), self.refresh()

    def on_files(
        self, paths: list[str] | None, lang: str, progress: Any = gr.Progress()
    ) -> tuple[str, list[list[Any]]]:
        # Gradio only hands over files uploaded through it (in the data directory's uploads/), never another path.
        files = [Path(p) for p in (paths or []) if Path(p).resolve().is_relative_to(self.uploads.resolve())]
        try:
            return self.run_add(lambda cb: self.pipeline.add(files, progress=cb), lang, progress)
        finally:
            for path in files:  # the text is in the store now
                if path.parent != self.uploads:
                    shutil.rmtree(path.parent, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)

    def on_text(self, text: str, lang: str, progress: Any = gr.Progress()) -> tuple[str, list[list[Any]]]:
        return self.run_add(lambda cb: self.pipeline.add_text(text or "", source="web"), lang, progress)

    def on_url(self, address: str, lang: str, progress: Any = gr.Progress()) -> tuple[str, list[list[Any]]]:
        # Only http(s) addresses: local paths are for the command line, never for whoever reaches the page.
        return self.run_add(lambda cb: self.pipeline.add_url(address or "", progress=cb), lang, progress)

    def feed_rows(self) -> list[list[Any]]:
        return [[f.url, f.title, len(f.seen)] for f in self.feeds.load()]

    def on_follow(self, address: str, lang: str) -> list[list[Any]]:
        try:
            title = self.pipeline.add_feed(address.strip())
        except NewsdeskError as exc:
            gr.Warning(localize(exc, lang))
        else:
            gr.Info(t(lang, "following").format(title=title or address.strip()))
        return self.feed_rows()

    def on_unfollow(self, address: str, lang: str) -> list[list[Any]]:
        if not self.feeds.remove(address.strip()):
            gr.Warning(t(lang, "not_following").format(address=address.strip()[:200]))
        return self.feed_rows()

    def on_update(self, lang: str, progress: Any = gr.Progress()) -> tuple[Any, ...]:
        """The update's report, the lists, and what it brought (the articles a briefing of it would cover)."""
        reports: list[IngestReport] = []

        def update(report_progress: Any) -> IngestReport:
            reports.append(self.pipeline.update_feeds(progress=report_progress))
            return reports[0]

        summary_md, rows = self.run_add(update, lang, progress)
        brought = [*reports[0].added, *reports[0].updated] if reports else []
        return summary_md, rows, self.feed_rows(), brought, gr.update(visible=bool(brought))

    def on_opml(self, path: str | None, lang: str) -> list[list[Any]]:
        if not path:
            return self.feed_rows()
        try:
            for address, title in opml_feeds(Path(path)):
                if HTTP_URL.match(address):
                    self.feeds.add(address, title)
                else:
                    gr.Warning(t(lang, "not_http").format(address=address[:80]))
        except NewsdeskError as exc:
            gr.Warning(localize(exc, lang))
        finally:
            Path(path).unlink(missing_ok=True)
        return self.feed_rows()

    def on_select(self, chosen: list[str], rows: Any, lang: str, evt: gr.SelectData) -> tuple[list[str], str, Any]:
        try:
            article_id = rows.iloc[evt.index[0], 0] if hasattr(rows, "iloc") else rows[evt.index[0]][0]
        except (IndexError, KeyError):
            return chosen, ", ".join(chosen), gr.update()
        chosen = [c for c in chosen if c != article_id] if article_id in chosen else [*chosen, article_id]
        record = self.pipeline.store.get_articles([article_id]).get(article_id)
        return chosen, ", ".join(chosen), article_html(record, self.pipeline.story(article_id), lang) if record else ""

    @staticmethod
    def ask_delete(chosen: list[str], lang: str) -> tuple[Any, Any]:
        """The confirmation names what will be deleted."""
        if not chosen:
            return HIDDEN
        ids = ", ".join(chosen[:5]) + (" …" if len(chosen) > 5 else "")
        label = t(lang, "confirm_delete_n").format(n=len(chosen), ids=ids)
        return gr.update(visible=True, value=label), gr.update(visible=True)

    def do_delete(self, chosen: list[str], query: str, lang: str) -> tuple[Any, ...]:
        removed = self.pipeline.store.remove(list(chosen)) if chosen else []
        gr.Info(t(lang, "removed_n").format(n=len(removed)))
        return [], "", "", self.refresh(query), *HIDDEN


def build_corpus_tab(
    pipeline: Pipeline, labels: list[tuple[Any, str, Any]], lang_state: gr.State
) -> tuple[gr.Button, gr.State]:
    """The tab; returns the button that briefs what the last feed update brought, and those articles' ids."""
    h = CorpusHandlers(pipeline)
    selected, brought = gr.State([]), gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            with gr.Accordion(open=True) as upload_box:
                # A button rather than a drop zone: every word on it follows the page's language (Gradio's drop
                # zone text follows the browser's). Chosen files are added at once.
                files = gr.UploadButton(
                    file_count="multiple", file_types=sorted(SUPPORTED_SUFFIXES), variant="primary", elem_id="nd-upload"
                )
            with gr.Accordion(open=False) as paste_box:
                pasted = gr.Textbox(lines=6, show_label=False, elem_id="nd-paste")
                add_text = gr.Button(elem_id="nd-add-text")
            with gr.Accordion(open=False, elem_id="nd-url-box") as url_box:
                url = gr.Textbox(show_label=False, elem_id="nd-url", max_lines=1)
                add_url = gr.Button(elem_id="nd-add-url")
            with gr.Accordion(open=False) as feed_box:
                feed_url = gr.Textbox(show_label=False, elem_id="nd-feed-url", max_lines=1)
                with gr.Row():
                    follow, unfollow, update = gr.Button(size="sm"), gr.Button(size="sm"), gr.Button(size="sm")
                opml = gr.File(file_types=[".opml", ".xml"], elem_id="nd-opml")
                feeds_table = gr.Dataframe(headers=["url", "title", "entries"], interactive=False, wrap=True)
            summary = gr.Markdown(elem_id="nd-add-summary")
            brief_update = gr.Button(size="sm", visible=False, elem_id="nd-brief-update")
        with gr.Column(scale=3, min_width=420):
            search = gr.Textbox(elem_id="nd-article-search", max_lines=1)
            search_note = gr.Markdown(visible=False, elem_id="nd-search-note")
            table = gr.Dataframe(
                headers=COLUMNS,
                value=h.refresh,
                interactive=False,
                wrap=True,
                max_height=420,
                elem_id="nd-articles",
                column_widths=["13%", "33%", "12%", "12%", "8%", "10%", "12%"],
            )
            selection = gr.Textbox(interactive=False, elem_id="nd-selection")
            with gr.Row():
                delete = gr.Button(variant="stop", size="sm", elem_id="nd-delete")
                confirm = gr.Button(variant="stop", visible=False, size="sm", elem_id="nd-confirm-delete")
                cancel = gr.Button(visible=False, size="sm", elem_id="nd-cancel-delete")
            reader = gr.HTML(elem_id="nd-reader")

    labels += [
        (upload_box, "label", "upload"),
        (files, "label", "add_files"),
        (paste_box, "label", "paste"),
        (add_text, "value", "add_text"),
        (url_box, "label", "url"),
        (add_url, "value", "add_url"),
        (feed_box, "label", "feeds"),
        (follow, "value", "follow"),
        (unfollow, "value", "remove_feed"),
        (update, "value", "update_feeds"),
        (brief_update, "value", "brief_update"),
        (opml, "label", "opml"),
        (search, "label", "search_articles"),
        (table, "headers", COLUMN_LABELS),
        (selection, "label", "selected"),
        (delete, "value", "delete"),
        (confirm, "value", "confirm_delete"),
        (cancel, "value", "cancel"),
        (feed_url, "placeholder", "feed_url"),
    ]
    searched = [table, search_note, selected, selection, confirm, cancel]
    added = [
        files.upload(h.on_files, [files, lang_state], [summary, table], concurrency_id="ingest"),
        add_text.click(h.on_text, [pasted, lang_state], [summary, table], concurrency_id="ingest"),
        add_url.click(h.on_url, [url, lang_state], [summary, table], concurrency_id="ingest"),
        update.click(
            h.on_update, [lang_state], [summary, table, feeds_table, brought, brief_update], concurrency_id="ingest"
        ),
    ]
    for event in added:  # the list keeps the search typed meanwhile
        event.then(h.on_search, [search, lang_state], searched)
    search.change(h.on_search, [search, lang_state], searched)
    follow.click(h.on_follow, [feed_url, lang_state], [feeds_table])
    unfollow.click(h.on_unfollow, [feed_url, lang_state], [feeds_table])
    opml.upload(h.on_opml, [opml, lang_state], [feeds_table])
    feed_box.expand(h.feed_rows, None, [feeds_table])
    table.select(h.on_select, [selected, table, lang_state], [selected, selection, reader])
    delete.click(h.ask_delete, [selected, lang_state], [confirm, cancel])
    cancel.click(lambda: HIDDEN, None, [confirm, cancel])
    confirm.click(h.do_delete, [selected, search, lang_state], [selected, selection, reader, table, confirm, cancel])
    return brief_update, brought
