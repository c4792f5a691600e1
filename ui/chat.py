"""The chat tab: questions, streamed answers with citation chips, sources, filters, conversations."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta
from pathlib import Path

import gradio as gr

from rag.conversations import Conversation, ConversationStore
from rag.errors import NewsdeskError
from rag.types import Answer, Filters

from .i18n import t
from .render import answer_html, answer_markdown, example_questions, sources_html

log = logging.getLogger(__name__)


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


def conversation_view(conv: Conversation, lang: str) -> tuple[list[dict], str]:
    """Chat messages and the sources panel for a whole conversation (newest sources first)."""
    messages, panels = [], []
    for i, turn in enumerate(conv.turns):
        answer = Answer.from_dict(turn["answer"])
        messages.append({"role": "user", "content": turn["question"]})
        messages.append({"role": "assistant", "content": answer_html(answer, f"{conv.id}-{i}", lang)})
        panel = sources_html(answer, f"{conv.id}-{i}", lang)
        if panel:
            panels.append(f"<div class='nd-turn'><div class='nd-q'>{_esc(turn['question'])}</div>{panel}</div>")
    return messages, "".join(reversed(panels))


def _varied_titles(records, n: int = 2) -> list[str]:
    """Titles of recent articles, at most one per source and none sharing their first word."""
    chosen, sources, heads = [], set(), set()
    for r in records:
        head = r.article.title.split()[0].lower()
        if r.article.source in sources or head in heads:
            continue
        chosen.append(r.article.title)
        sources.add(r.article.source)
        heads.add(head)
        if len(chosen) == n:
            break
    return chosen


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def build_chat_tab(pipeline, labels: list, lang_state: gr.State) -> None:
    data_dir = Path(pipeline.settings.data_dir)

    def saved_store(request: gr.Request | None) -> ConversationStore:
        """The signed-in user's conversations (everyone's folder when there is no login)."""
        return ConversationStore(data_dir, getattr(request, "username", None) if request else None)
    try:
        records = pipeline.store.list_articles()
    except NewsdeskError:
        records = []
    records.sort(key=lambda r: r.article.date or "", reverse=True)
    titles = {lang: _varied_titles([r for r in records if r.article.lang == lang and r.article.title]) for lang in ("fr", "en")}
    examples = example_questions(titles) or ["Pourquoi la Chine est-elle importante pour la Russie ?", "What did Beijing say about the Paris Agreement?"]
    source_choices = sorted({r.article.source for r in records if r.article.source})

    conversation = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            # Messages are HTML built by render.py from escaped text: no Markdown (a model's ![](url) must stay text), no LaTeX.
            chat = gr.Chatbot(height=520, sanitize_html=True, render_markdown=False, latex_delimiters=[], buttons=["copy"],
                              elem_id="nd-chat", show_label=False)
            with gr.Row():
                question = gr.Textbox(show_label=False, scale=8, elem_id="nd-question", autofocus=True, lines=1, max_lines=4)
                send = gr.Button(variant="primary", scale=1, min_width=90, elem_id="nd-send")
                stop = gr.Button(variant="stop", scale=1, min_width=90, elem_id="nd-stop")
            examples_box = gr.Dataset(components=[question], samples=[[e] for e in examples], elem_id="nd-examples")
            with gr.Row():
                new = gr.Button(size="sm", elem_id="nd-new")
                export = gr.Button(size="sm", elem_id="nd-export")
                exported = gr.File(visible=False, elem_id="nd-exported")
            waiting = gr.Markdown(visible=False, elem_id="nd-waiting")
        with gr.Column(scale=2, min_width=320):
            with gr.Accordion(open=False, elem_id="nd-filters") as filters_box:
                period = gr.Radio(choices=["all", "week", "month", "year"], value="all", elem_id="nd-period")
                with gr.Row():
                    since = gr.Textbox(elem_id="nd-since", max_lines=1)
                    until = gr.Textbox(elem_id="nd-until", max_lines=1)
                sources = gr.Dropdown(choices=source_choices, multiselect=True, elem_id="nd-sources-filter")
                langs = gr.CheckboxGroup(choices=["fr", "en"], elem_id="nd-langs")
            sources_panel = gr.HTML(elem_id="nd-sources-panel")
            with gr.Accordion(open=False) as conv_box:
                saved = gr.Dropdown(choices=[], elem_id="nd-saved")
                open_btn = gr.Button(size="sm")

    labels += [(question, "placeholder", "placeholder"), (send, "value", "send"), (stop, "value", "stop"), (new, "value", "new"),
               (export, "value", "export"), (filters_box, "label", "filters"), (period, "label", "quick"), (since, "label", "since"),
               (until, "label", "until"), (sources, "label", "sources_filter"), (langs, "label", "lang_filter"),
               (conv_box, "label", "conversations"), (saved, "label", "conversations"), (open_btn, "value", "open"),
               (examples_box, "label", "examples")]

    busy = {"running": 0}
    busy_lock = threading.Lock()

    def respond(text, messages, conv, since_v, until_v, sources_v, langs_v, lang, request: gr.Request):
        text = (text or "").strip()
        if not text:
            yield gr.update(), gr.update(), conv, gr.update(), gr.update(visible=False)
            return
        with busy_lock:
            busy["running"] += 1
        try:
            yield from _respond(text, messages, conv, since_v, until_v, sources_v, langs_v, lang, saved_store(request))
        finally:
            with busy_lock:
                busy["running"] -= 1

    def _respond(text, messages, conv, since_v, until_v, sources_v, langs_v, lang, store: ConversationStore):
        conv = conv or Conversation()
        filters = Filters(since=since_v or None, until=until_v or None, sources=tuple(sources_v or ()), langs=tuple(langs_v or ()))
        messages = list(messages or []) + [{"role": "user", "content": text}, {"role": "assistant", "content": t(lang, "thinking")}]
        yield messages, gr.update(), conv, "", gr.update(visible=False)
        streamed = ""
        try:
            for event in pipeline.ask_stream(text, conv.history(), filters):
                if event.kind == "token":
                    streamed += event.text
                    messages[-1]["content"] = _esc(streamed)
                    yield messages, gr.update(), conv, "", gr.update(visible=False)
                elif event.kind == "reset":
                    streamed = ""
                elif event.kind == "answer":
                    conv.add(text, event.answer.to_dict())
                    try:
                        store.save(conv)
                    except OSError as exc:
                        gr.Warning(f"conversation not saved: {exc}")
                    shown, panel = conversation_view(conv, lang)
                    yield shown, panel, conv, "", gr.update(visible=False)
        except NewsdeskError as exc:
            gr.Warning(str(exc))
            messages[-1]["content"] = f"⚠ {_esc(str(exc))}"
            yield messages, gr.update(), conv, "", gr.update(visible=False)

    def show_waiting(lang):
        # Runs outside the queue, at once: say so when earlier questions are still being answered.
        with busy_lock:
            waiting_for = busy["running"]
        return gr.update(value=t(lang, "waiting"), visible=waiting_for >= pipeline.settings.ui.concurrency)

    inputs = [question, chat, conversation, since, until, sources, langs, lang_state]
    outputs = [chat, sources_panel, conversation, question, waiting]
    submit_event = question.submit(respond, inputs, outputs, concurrency_id="llm", api_name="ask")
    click_event = send.click(respond, inputs, outputs, concurrency_id="llm", api_name=False)
    # Shown at once (no queue); hidden by the answer's first update.
    question.submit(show_waiting, [lang_state], [waiting], queue=False, api_name=False)
    send.click(show_waiting, [lang_state], [waiting], queue=False, api_name=False)
    stop.click(None, None, None, cancels=[submit_event, click_event])

    examples_box.click(lambda sample: sample[0], [examples_box], [question])

    def new_conversation():
        return [], "", None, gr.update(visible=False)

    new.click(new_conversation, None, [chat, sources_panel, conversation, exported])

    def do_export(conv, lang):
        if not conv or not conv.turns:
            return gr.update(visible=False)
        answer = Answer.from_dict(conv.turns[-1]["answer"])
        folder = Path(pipeline.settings.data_dir) / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"newsdesk-{conv.id}-{len(conv.turns)}.md"
        path.write_text(answer_markdown(answer, lang), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    export.click(do_export, [conversation, lang_state], [exported])

    def list_saved(request: gr.Request):
        return gr.update(choices=[(c.title, c.id) for c in saved_store(request).list()])

    conv_box.expand(list_saved, None, [saved])

    def reopen(conv_id, lang, request: gr.Request):
        conv = saved_store(request).load(conv_id) if conv_id else None
        if conv is None:
            return gr.update(), gr.update(), None
        shown, panel = conversation_view(conv, lang)
        return shown, panel, conv

    open_btn.click(reopen, [saved, lang_state], [chat, sources_panel, conversation])

    def pick_period(choice):
        since_v, until_v = quick_range(choice, pipeline.today())
        return since_v, until_v

    period.change(pick_period, [period], [since, until])
