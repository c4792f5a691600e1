"""The web chat: ``build_app(pipeline)`` makes the Blocks, ``launch`` serves them.

Handlers are thin: they call the pipeline and format its Answer. Article text
and titles are untrusted and are always escaped before they reach the page.
"""

from __future__ import annotations

import html
import logging

import gradio as gr

from rag.errors import NewsdeskError
from rag.types import Answer

log = logging.getLogger(__name__)


def sources_markdown(answer: Answer) -> str:
    """The sources of an answer as escaped HTML (nothing when it is a refusal)."""
    if answer.refused or not answer.citations:
        return ""
    items = []
    for c in answer.citations:
        title = html.escape(c.title or c.article_id)
        meta = " · ".join(html.escape(p) for p in (c.date[:10] if c.date else "", c.source) if p)
        link = f' <a href="{html.escape(c.url, quote=True)}" target="_blank" rel="noopener noreferrer">↗</a>' if c.url and c.url.startswith(("http://", "https://")) else ""
        items.append(f"<li><b>[{c.n}] {title}</b>{link}<br><small>{meta}</small><blockquote>{html.escape(c.passage[:600])}</blockquote></li>")
    return "<ol class='nd-sources'>" + "".join(items) + "</ol>"


def build_app(pipeline) -> gr.Blocks:
    """The Gradio app for ``pipeline`` (not launched)."""
    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as app:
        gr.Markdown("## Newsdesk")
        chat = gr.Chatbot(label="Newsdesk", height=420, sanitize_html=True, buttons=["copy", "copy_all"])
        question = gr.Textbox(label="Question", placeholder="Pourquoi la Chine est-elle importante pour la Russie ?")
        sources = gr.HTML()

        def respond(text: str, history: list):
            history = list(history or []) + [{"role": "user", "content": text}, {"role": "assistant", "content": ""}]
            try:
                for event in pipeline.ask_stream(text):
                    if event.kind == "token":
                        history[-1]["content"] += event.text
                        yield history, ""
                    elif event.kind == "reset":
                        history[-1]["content"] = ""
                    elif event.kind == "answer":
                        history[-1]["content"] = event.answer.answer
                        yield history, sources_markdown(event.answer)
            except NewsdeskError as exc:
                gr.Warning(str(exc))
                history[-1]["content"] = f"⚠ {exc}"
                yield history, ""

        question.submit(respond, [question, chat], [chat, sources]).then(lambda: "", None, question)
    return app


def launch(pipeline) -> None:
    """Serve the app on the configured host and port (127.0.0.1:7860 by default)."""
    cfg = pipeline.settings.ui
    app = build_app(pipeline)
    app.queue(default_concurrency_limit=1)
    app.launch(server_name=cfg.host, server_port=cfg.port, share=False, inbrowser=False, show_error=False)
