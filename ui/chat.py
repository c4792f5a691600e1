"""The chat tab: questions, streamed answers with citation chips, sources, filters, conversations.

``ChatHandlers`` holds what each control does; ``build_chat_tab`` lays the controls out and wires them.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Conversation, ConversationStore, Pipeline, localize, t
from rag.errors import NewsdeskError
from rag.events import AnswerEvent, SentenceEvent
from rag.types import Answer, Filters

from .briefing import brief_stream, stream_brief
from .examples import FALLBACK_EXAMPLES, example_questions, varied_titles
from .render import answer_html, answer_markdown, conversation_view

log = logging.getLogger(__name__)
Update = tuple[Any, ...]  # what a chat handler yields: (chat, sources panel, conversation, question box, waiting note)


PERIODS = ["all", "week", "month", "year"]


def quick_range(choice: str, today: date) -> tuple[str, str]:
    """(since, until) for a quick pick: this week / month / year, or no limit."""
    tomorrow = (today + timedelta(days=1)).isoformat()
    if choice == "week":
        return (today - timedelta(days=today.weekday())).isoformat(), tomorrow
    if choice == "month":
        return today.replace(day=1).isoformat(), tomorrow
    if choice == "year":
        return today.replace(month=1, day=1).isoformat(), tomorrow
    return "", ""


class ChatHandlers:
    """What the chat tab's controls do; ``running`` counts the questions being answered (for the waiting note)."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.data_dir = Path(pipeline.settings.data_dir)
        self.running = 0
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[str, Answer | None]] = {}  # per session: the question, its checked part

    def saved_store(self, request: gr.Request | None) -> ConversationStore:
        """The signed-in user's conversations (everyone's folder when there is no login)."""
        return ConversationStore(self.data_dir, getattr(request, "username", None) if request else None)

    def respond(
        self,
        text: str,
        messages: list[dict[str, str]] | None,
        conv: Conversation | None,
        since: str,
        until: str,
        sources: list[str] | None,
        langs: list[str] | None,
        lang: str,
        request: gr.Request,
    ) -> Iterator[Update]:
        text = (text or "").strip()
        if not text:
            yield gr.update(), gr.update(), conv, gr.update(), gr.update(visible=False)
            return
        if (asked := self.pipeline.briefing_request(text)) is not None:  # "Quoi de neuf depuis hier ?"
            for shown, panel in stream_brief(self.pipeline, list(messages or []), text, *asked, lang):
                yield shown, panel, conv, "", gr.update(visible=False)
            return
        filters = Filters(
            since=since or None, until=until or None, sources=tuple(sources or ()), langs=tuple(langs or ())
        )
        with self._lock:
            self.running += 1
        key = request.session_hash or ""
        self._pending[key] = (text, None)
        try:
            yield from self._answer(
                text, list(messages or []), conv or Conversation(), filters, lang, self.saved_store(request), key
            )
        finally:
            with self._lock:
                self.running -= 1

    def _answer(
        self,
        text: str,
        messages: list[dict[str, str]],
        conv: Conversation,
        filters: Filters,
        lang: str,
        store: ConversationStore,
        key: str,
    ) -> Iterator[Update]:
        messages += [{"role": "user", "content": text}, {"role": "assistant", "content": t(lang, "thinking")}]
        hidden = gr.update(visible=False)
        yield messages, gr.update(), conv, "", hidden
        try:
            for event in self.pipeline.ask_stream(text, conv.history(), filters):
                if isinstance(event, SentenceEvent):
                    # Only checked sentences reach the page; kept for Stop, which saves them marked as stopped.
                    self._pending[key] = (text, event.partial)
                    messages[-1]["content"] = answer_html(replace(event.partial, stopped=False), "live", lang)
                    yield messages, gr.update(), conv, "", hidden
                elif isinstance(event, AnswerEvent):
                    if self._pending.pop(key, None) is None:
                        return  # stopped meanwhile: Stop saved what was shown
                    conv.add(text, event.answer.to_dict())
                    self._save(store, conv, lang)
                    yield (*conversation_view(conv, lang), conv, "", hidden)
        except NewsdeskError as exc:
            self._pending.pop(key, None)
            gr.Warning(localize(exc, lang))
            messages[-1]["content"] = f"⚠ {html.escape(localize(exc, lang))}"
            yield messages, gr.update(), conv, "", hidden

    def stop(self, conv: Conversation | None, lang: str, request: gr.Request) -> tuple[Any, ...]:
        """Stop pressed: the answer keeps the sentences checked so far, marked as stopped (or says none was)."""
        hidden = gr.update(visible=False)
        pending = self._pending.pop(request.session_hash or "", None)
        if pending is None:
            return gr.update(), gr.update(), conv, gr.update(), hidden  # nothing was running
        question, partial = pending
        conv = conv or Conversation()
        if partial is not None:
            conv.add(question, partial.to_dict())
            self._save(self.saved_store(request), conv, lang)
        messages, panel = conversation_view(conv, lang)
        if partial is None:
            stopped = f"<div class='nd-stopped'>■ {html.escape(t(lang, 'stopped_empty'))}</div>"
            messages += [{"role": "user", "content": question}, {"role": "assistant", "content": stopped}]
        return messages, panel, conv, "", hidden

    @staticmethod
    def _save(store: ConversationStore, conv: Conversation, lang: str) -> None:
        try:
            store.save(conv)
        except OSError as exc:
            gr.Warning(t(lang, "not_saved").format(error=exc))

    def show_waiting(self, text: str, lang: str, request: gr.Request) -> Any:
        # Runs outside the queue, at once: say so when earlier questions are still being answered. The question
        # is pending from now on, so that Stop pressed before the queue starts the answer still marks it stopped.
        if (text or "").strip():
            self._pending[request.session_hash or ""] = (text.strip(), None)
        with self._lock:
            waiting_for = self.running
        return gr.update(value=t(lang, "waiting"), visible=waiting_for >= self.pipeline.settings.ui.concurrency)

    def do_export(self, conv: Conversation | None, lang: str) -> Any:
        if not conv or not conv.turns:
            return gr.update(visible=False)
        folder = self.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"newsdesk-{conv.id}-{len(conv.turns)}.md"
        path.write_text(answer_markdown(Answer.from_dict(conv.turns[-1]["answer"]), lang), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def list_saved(self, request: gr.Request) -> Any:
        return gr.update(choices=[(c.title, c.id) for c in self.saved_store(request).list()])

    def reopen(self, conv_id: str, lang: str, request: gr.Request) -> tuple[Any, Any, Conversation | None]:
        conv = self.saved_store(request).load(conv_id) if conv_id else None
        if conv is None:
            return gr.update(), gr.update(), None
        shown, panel = conversation_view(conv, lang)
        return shown, panel, conv

    def pick_period(self, choice: str) -> tuple[str, str]:
        return quick_range(choice, self.pipeline.today())

    def example_questions(self) -> tuple[list[str], list[str]]:
        """Example questions about the archive's recent articles, and the sources to filter on."""
        try:
            records = self.pipeline.store.list_articles()
        except NewsdeskError:
            records = []
        records.sort(key=lambda r: r.article.date or "", reverse=True)
        titles = {
            lang: varied_titles([r for r in records if r.article.lang == lang and r.article.title])
            for lang in ("fr", "en")
        }
        return example_questions(titles) or FALLBACK_EXAMPLES, sorted(
            {r.article.source for r in records if r.article.source}
        )


def build_chat_tab(
    pipeline: Pipeline, labels: list[tuple[Any, str, Any]], lang_state: gr.State
) -> tuple[gr.Chatbot, gr.HTML]:
    """The tab; returns the conversation and its sources panel (a briefing asked from another tab shows there)."""
    h = ChatHandlers(pipeline)
    examples, source_choices = h.example_questions()
    conversation = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            # Messages are HTML built by render.py from escaped text: no Markdown (a model's ![](url) must stay
            # text), no LaTeX.
            chat = gr.Chatbot(
                height=520,
                sanitize_html=True,
                render_markdown=False,
                latex_delimiters=[],
                buttons=["copy"],
                elem_id="nd-chat",
                show_label=False,
            )
            with gr.Row():
                question = gr.Textbox(
                    show_label=False, scale=8, elem_id="nd-question", autofocus=True, lines=1, max_lines=4
                )
                send = gr.Button(variant="primary", scale=1, min_width=90, elem_id="nd-send")
                stop = gr.Button(variant="stop", scale=1, min_width=90, elem_id="nd-stop")
            examples_box = gr.Dataset(components=[question], samples=[[e] for e in examples], elem_id="nd-examples")
            with gr.Row():
                new = gr.Button(size="sm", elem_id="nd-new")
                export = gr.Button(size="sm", elem_id="nd-export")
                briefing = gr.Button(size="sm", elem_id="nd-brief")
                exported = gr.File(visible=False, elem_id="nd-exported")
            waiting = gr.Markdown(visible=False, elem_id="nd-waiting")
        with gr.Column(scale=2, min_width=320):
            with gr.Accordion(open=False, elem_id="nd-filters") as filters_box:
                period = gr.Radio(choices=PERIODS, value="all", elem_id="nd-period")
                with gr.Row():
                    since = gr.Textbox(elem_id="nd-since", max_lines=1)
                    until = gr.Textbox(elem_id="nd-until", max_lines=1)
                sources = gr.Dropdown(choices=source_choices, multiselect=True, elem_id="nd-sources-filter")
                langs = gr.CheckboxGroup(choices=["fr", "en"], elem_id="nd-langs")
            sources_panel = gr.HTML(elem_id="nd-sources-panel")
            with gr.Accordion(open=False) as conv_box:
                saved = gr.Dropdown(choices=[], elem_id="nd-saved")
                open_btn = gr.Button(size="sm")

    labels += [
        (question, "placeholder", "placeholder"),
        (chat, "placeholder", "welcome"),
        (send, "value", "send"),
        (stop, "value", "stop"),
        (new, "value", "new"),
        (export, "value", "export"),
        (briefing, "value", "brief_button"),
        (filters_box, "label", "filters"),
        (period, "label", "quick"),
        (period, "choices", tuple((p, "all_time" if p == "all" else p) for p in PERIODS)),
        (since, "label", "since"),
        (until, "label", "until"),
        (sources, "label", "sources_filter"),
        (langs, "label", "lang_filter"),
        (conv_box, "label", "conversations"),
        (saved, "label", "conversations"),
        (open_btn, "value", "open"),
        (examples_box, "label", "examples"),
    ]
    inputs = [question, chat, conversation, since, until, sources, langs, lang_state]
    outputs = [chat, sources_panel, conversation, question, waiting]
    submit_event = question.submit(h.respond, inputs, outputs, concurrency_id="llm", api_name="ask")
    click_event = send.click(h.respond, inputs, outputs, concurrency_id="llm", api_visibility="private")
    # Shown at once (no queue); hidden by the answer's first update.
    question.submit(h.show_waiting, [question, lang_state], [waiting], queue=False, api_visibility="private")
    send.click(h.show_waiting, [question, lang_state], [waiting], queue=False, api_visibility="private")
    stop.click(h.stop, [conversation, lang_state], outputs, cancels=[submit_event, click_event])
    examples_box.click(lambda sample: sample[0], [examples_box], [question])
    new.click(lambda: ([], "", None, gr.update(visible=False)), None, [chat, sources_panel, conversation, exported])
    export.click(h.do_export, [conversation, lang_state], [exported])

    def on_brief(*args: Any) -> Iterator[tuple[Any, Any, Any]]:
        yield from brief_stream(pipeline, *args)  # a generator function: Gradio streams what it yields

    briefing.click(
        on_brief,
        [question, chat, since, until, sources, langs, lang_state],
        [chat, sources_panel, question],
        concurrency_id="llm",
        api_visibility="private",
    )
    conv_box.expand(h.list_saved, None, [saved])
    for answered in (submit_event, click_event):  # a new conversation is listed without reloading the page
        answered.then(h.list_saved, None, [saved], api_visibility="private")
    open_btn.click(h.reopen, [saved, lang_state], [chat, sources_panel, conversation])
    period.change(h.pick_period, [period], [since, until])
    return chat, sources_panel
