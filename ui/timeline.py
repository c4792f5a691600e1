"""The timeline tab: the stories about a topic in date order; a lead sentence opens its article, highlighted."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from rag import Pipeline, localize, t
from rag.errors import NewsdeskError

from .reader import article_html

COLUMN_LABELS = ("col_date", "col_sources", "col_lang", "col_lead")


class TimelineHandlers:
    """What the timeline tab's controls do."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def on_run(self, query: str, lang: str) -> tuple[Any, ...]:
        """The stories as rows (date, sources, languages, lead sentence), kept for the clicks; a note when none."""
        try:
            searched, entries = self.pipeline.timeline(query or "")
        except NewsdeskError as exc:
            gr.Warning(localize(exc, lang))
            return [], [], f"⚠ {html.escape(localize(exc, lang))}", ""
        rows = [
            [
                (e.date or "—")[:10],
                ", ".join(e.sources),
                "/".join(e.languages),
                e.lead + (f"  (+{e.articles - 1})" if e.articles > 1 else ""),
            ]
            for e in entries
        ]
        note = (
            t(lang, "timeline_count").format(n=len(entries))
            if entries
            else t(lang, "no_stories").format(query=html.escape(query.strip()))
        )
        return rows, [e.to_dict() for e in entries], note, ""

    def on_select(self, entries: list[dict[str, Any]], lang: str, evt: gr.SelectData) -> str:
        """The story's article with its lead sentence highlighted."""
        try:
            entry = entries[evt.index[0]]
        except (IndexError, TypeError):
            return ""
        record = self.pipeline.store.get_articles([entry["article_id"]]).get(entry["article_id"])
        if record is None:
            return ""
        story = self.pipeline.story(entry["article_id"])
        return article_html(record, story, lang, mark=(entry["start"], entry["end"]))


def build_timeline_tab(pipeline: Pipeline, labels: list[tuple[Any, str, Any]], lang_state: gr.State) -> None:
    h = TimelineHandlers(pipeline)
    entries = gr.State([])
    with gr.Row(equal_height=True):
        query = gr.Textbox(elem_id="nd-timeline-query", max_lines=1, scale=4)
        run = gr.Button(variant="primary", elem_id="nd-timeline-run", scale=1)
    note = gr.Markdown(elem_id="nd-timeline-note")
    table = gr.Dataframe(
        headers=list(COLUMN_LABELS),
        interactive=False,
        wrap=True,
        max_height=460,
        elem_id="nd-timeline",
        column_widths=["12%", "18%", "8%", "62%"],
    )
    reader = gr.HTML(elem_id="nd-timeline-reader")
    labels += [
        (query, "label", "timeline_query"),
        (query, "placeholder", "timeline_placeholder"),
        (run, "value", "run_timeline"),
        (table, "headers", COLUMN_LABELS),
    ]
    for event in (run.click, query.submit):
        event(h.on_run, [query, lang_state], [table, entries, note, reader])
    table.select(h.on_select, [entries, lang_state], [reader])
