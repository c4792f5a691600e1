"""The web chat: ``build_app(pipeline)`` makes the Blocks, ``launch`` serves them.

Four tabs (chat, articles, timeline, evaluation) on the pipeline the CLI uses. Labels
follow the browser's language (French or English) and can be switched. Local
assets only (no remote fonts or scripts), no share link, no analytics, bound to
127.0.0.1 unless told otherwise; optional login for every route.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Pipeline, browser_lang, t
from rag.errors import ConfigError

from .briefing import brief_brought
from .chat import build_chat_tab
from .corpus import build_corpus_tab
from .evaluate import build_eval_tab
from .guard import Guard, is_loopback, loopback_hosts
from .mcp_tools import http_app
from .openai_api import ChatCompletions
from .timeline import build_timeline_tab

log = logging.getLogger(__name__)

CSS = """
.nd-chip{display:inline-block;min-width:1.3em;padding:0 .35em;margin-left:.15em;border-radius:.6em;background:#2563eb;
  color:#fff!important;
  font-size:.75em;font-weight:600;text-align:center;text-decoration:none!important;vertical-align:super;line-height:1.5em;cursor:pointer}
.nd-chip:hover{background:#1e40af}
.nd-left-out{margin-top:.4em;font-size:.85em;color:#92400e}
.nd-left-out ul{margin:.2em 0 0 1em}
.nd-stopped{margin-top:.4em;font-size:.85em;color:#6b7280}
.nd-footer{margin-top:.5em;font-size:.8em;color:#6b7280}
.nd-sources details{border:1px solid #e5e7eb;border-radius:8px;padding:.4em .6em;margin:.4em 0;background:#fafafa}
.nd-sources summary{cursor:pointer;list-style:none}
.nd-sources .nd-n{display:inline-block;min-width:1.4em;border-radius:.6em;background:#2563eb;color:#fff;
  text-align:center;font-size:.8em;font-weight:600}
.nd-sources blockquote{margin:.5em 0 .2em;padding-left:.7em;border-left:3px solid #cbd5e1;font-size:.9em;color:#374151}
.nd-sources mark{background:#fde68a;padding:0 .1em}
.nd-sources .nd-flash{box-shadow:0 0 0 3px #93c5fd;transition:box-shadow .3s}
.nd-turn .nd-q{font-size:.8em;color:#6b7280;margin-top:.8em}
.nd-empty{color:#6b7280;font-style:italic}
.nd-article p{margin:.4em 0}
.nd-article mark{background:#fde68a;padding:0 .1em}
.nd-story ul{margin:.2em 0 .4em 1em;font-size:.85em}
.nd-brief-item{margin:.2em 0 .7em}
.nd-brief-item small{color:#6b7280}
#nd-title{flex:1 1 0;min-width:max-content}
#nd-title h2{white-space:nowrap;margin:0}
@media (max-width:480px){#nd-title h2{font-size:1.15em}}
#nd-articles table{min-width:680px}
"""

# Opens and highlights the source a citation chip points to (no remote script: this is all the JS there is).
HEAD = """
<script>
document.addEventListener('click', function (event) {
  var chip = event.target.closest ? event.target.closest('a.nd-chip') : null;
  if (!chip) return;
  event.preventDefault();
  event.stopPropagation();
  var id = (chip.getAttribute('href') || '').replace(/^#/, '') || chip.getAttribute('data-src');
  var target = document.getElementById(id);
  if (!target) return;
  document.querySelectorAll('.nd-sources details[open]').forEach(function (d) { if (d !== target) d.open = false; });
  target.open = true;
  target.scrollIntoView({behavior: 'smooth', block: 'center'});
  target.classList.add('nd-flash');
  setTimeout(function () { target.classList.remove('nd-flash'); }, 1600);
}, true);
</script>
"""


def build_app(pipeline: Pipeline) -> gr.Blocks:
    """The Gradio app for ``pipeline`` (not launched)."""
    labels: list[tuple] = []  # (component, attribute, label key): relabelled when the language changes
    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as app:
        lang_state = gr.State("en")
        with gr.Row():
            gr.Markdown("## Newsdesk", elem_id="nd-title")
            ui_lang = gr.Radio(
                choices=[("Français", "fr"), ("English", "en")],
                value="en",
                show_label=False,
                container=False,
                elem_id="nd-lang",
                scale=0,
                min_width=220,
            )
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat", elem_id="nd-tab-chat") as chat_tab:
                chat, sources_panel = build_chat_tab(pipeline, labels, lang_state)
            with gr.Tab("Articles", id="corpus", elem_id="nd-tab-corpus") as corpus_tab:
                brief_update, brought = build_corpus_tab(pipeline, labels, lang_state)
            with gr.Tab("Timeline", id="timeline", elem_id="nd-tab-timeline") as timeline_tab:
                build_timeline_tab(pipeline, labels, lang_state)
            with gr.Tab("Evaluate", id="eval", elem_id="nd-tab-eval") as eval_tab:
                build_eval_tab(pipeline, labels, lang_state)

        def on_brief_update(ids: list[str], messages: Any, lang: str) -> Any:
            yield from brief_brought(pipeline, ids, messages, lang)  # a generator function: Gradio streams it

        brief_update.click(lambda: gr.Tabs(selected="chat"), None, [tabs]).then(
            on_brief_update, [brought, chat, lang_state], [chat, sources_panel], concurrency_id="llm"
        )
        labels += [
            (chat_tab, "label", "tab_chat"),
            (corpus_tab, "label", "tab_corpus"),
            (timeline_tab, "label", "tab_timeline"),
            (eval_tab, "label", "tab_eval"),
        ]
        components = list(dict.fromkeys(c for c, _, _ in labels))  # a component may have several labelled parts
        for component, attr, key in labels:  # English until the browser's language is known
            setattr(component, attr, localized("en", key))

        def relabel(lang: str):
            updates: dict[Any, dict[str, Any]] = {c: {} for c in components}
            for component, attr, key in labels:
                updates[component][attr] = localized(lang, key)
            return [lang, *[gr.update(**updates[c]) for c in components]]

        def on_load(request: gr.Request):
            lang = browser_lang(request.headers.get("accept-language") if request else None)
            return [gr.update(value=lang), *relabel(lang)]

        app.load(on_load, None, [ui_lang, lang_state, *components])
        ui_lang.input(relabel, [ui_lang], [lang_state, *components])
    return app


def localized(lang: str, key: Any) -> Any:
    """A label key's text; a tuple of keys gives a list of texts (table headers), a tuple of (value, key)
    pairs a list of choices shown in ``lang`` whose values stay the same."""
    if isinstance(key, str):
        return t(lang, key)
    return [(t(lang, k[1]), k[0]) if isinstance(k, tuple) else t(lang, k) for k in key]


def parse_auth(value: str | None) -> list[tuple[str, str]] | None:
    """``user:password`` or a file of such lines -> Gradio's auth list."""
    if not value:
        return None
    lines = Path(value).read_text(encoding="utf-8").splitlines() if Path(value).is_file() else [value]
    pairs = []
    for line in lines:
        if line.strip() and not line.startswith("#"):
            user, sep, password = line.strip().partition(":")
            if not sep or not user or not password:
                raise ConfigError("ui.auth must be user:password (or a file of such lines)")
            pairs.append((user, password))
    return pairs or None


def check_exposure(host: str, auth: list | None, allow_anonymous: bool) -> None:
    """Refuse to serve beyond this machine without a login."""
    if not is_loopback(host) and not auth and not allow_anonymous:
        raise ConfigError(
            f"refusing to serve on {host} without a login — set NEWSDESK_UI_AUTH=user:password (ui.auth), "
            "or ui.allow_anonymous=true when a proxy in front authenticates users"
        )


def launch(pipeline: Pipeline, block: bool = True) -> gr.Blocks:
    """Serve the app on the configured host and port (127.0.0.1:7860 by default).

    With ``block=False`` it returns at once (the server runs in a thread; ``.close()`` stops it).
    """
    from starlette.middleware import Middleware

    from rag import hold_data_dir

    settings = pipeline.settings
    cfg = settings.ui
    auth = parse_auth(cfg.auth)
    check_exposure(cfg.host, auth, cfg.allow_anonymous)
    if not settings.store.url:
        hold_data_dir(settings.data_dir)  # the page adds and deletes articles: the embedded store's one writer
    uploads = Path(settings.data_dir) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    clean_uploads(uploads, max_age_s=0)
    os.environ["GRADIO_TEMP_DIR"] = str(uploads)  # uploads stay inside the data directory
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app = build_app(pipeline)
    app.queue(default_concurrency_limit=cfg.concurrency)
    theme = gr.themes.Default(
        font=["system-ui", "Segoe UI", "Roboto", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )
    hosts = loopback_hosts(cfg.port) if is_loopback(cfg.host) else None
    guard = Middleware(Guard, allowed_hosts=hosts, login=auth is not None, api_key=cfg.api_key)
    api = ChatCompletions(pipeline)  # the OpenAI-compatible routes and the MCP route, before Gradio's own
    mcp_routes, mcp_lifespan = http_app(pipeline)
    app.launch(
        server_name=cfg.host,
        server_port=cfg.port,
        share=False,
        inbrowser=False,
        show_error=False,
        auth=auth,
        max_file_size=f"{int(cfg.upload_limit_mb)}mb",
        footer_links=[],
        theme=theme,
        css=CSS,
        head=HEAD,
        prevent_thread_lock=not block,
        quiet=not block,
        app_kwargs={
            "middleware": [guard],
            "routes": [*api.routes(), *mcp_routes],
            "lifespan": mcp_lifespan,
            "openapi_url": None,
            "docs_url": None,
            "redoc_url": None,
        },
    )
    return app


def clean_uploads(folder: Path, max_age_s: float) -> int:
    """Delete web uploads older than ``max_age_s`` (they are copied into the store when added); returns how many."""
    import shutil
    import time

    removed = 0
    now = time.time()
    for item in folder.iterdir() if folder.is_dir() else ():
        try:
            if now - item.stat().st_mtime >= max_age_s:
                shutil.rmtree(item) if item.is_dir() else item.unlink()
                removed += 1
        except OSError as exc:
            log.warning("could not remove the upload %s (%s)", item, exc)
    return removed
