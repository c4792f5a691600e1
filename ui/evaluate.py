"""The evaluation tab: run a question set through the harness and show its tables and plots."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import gradio as gr

from rag import HEADLINE_KEYS, EvalConfig, Pipeline, load_suite, localize, passed, plots, read_results, run_eval, t
from rag.errors import ConfigError, NewsdeskError
from rag.problems import Problem

PROJECT = Path(__file__).resolve().parent.parent
# A run shares the model with the chat: questions per run from the page (the command line has no cap).
MAX_QUESTIONS = {"retrieval": 1000, "answer": 30}
CLEARED = (None, None, "")  # the uploads are read once: the buttons and the chosen names are reset after a run


def question_sets() -> list[tuple[str, str]]:
    """(label, path) of the suites in evals/suites and the question files in evals/."""
    out = [(f"suite: {p.stem}", str(p)) for p in sorted((PROJECT / "evals" / "suites").glob("*.toml"))]
    out += [(f"file: {p.name}", str(p)) for p in sorted((PROJECT / "evals").glob("*.jsonl"))]
    return out


def metrics_table(summary: dict) -> list[list]:
    presets = summary["presets"]
    keys = [k for k in HEADLINE_KEYS if any(k in p["metrics"] for p in presets.values())]
    return [
        [k] + [None if p["metrics"].get(k) is None else round(p["metrics"][k], 3) for p in presets.values()]
        for k in keys
    ]


def question_table(rows: list[dict], preset: str, mode: str) -> list[list]:
    out = []
    for r in rows:
        if r["preset"] != preset:
            continue
        expected = ", ".join(r.get("answers") or r.get("gold") or []) or (
            "—" if r.get("answerable") else "(unanswerable)"
        )
        if mode == "answer":
            cites = " ".join(f"[{c['n']}] {c['article_id']}" for c in r.get("citations", []))
            ok = passed(r, "answer")
            out.append([r["question"], expected, r.get("answer") or r.get("error", ""), cites, "✔" if ok else "✘"])
        else:
            ok = passed(r, "retrieval")
            out.append(
                [r["question"], expected, ", ".join((r.get("ranked_articles") or [])[:3]), "", "✔" if ok else "✘"]
            )
    return out


def _image(uri: str):
    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def build_eval_tab(pipeline: Pipeline, labels: list[tuple[Any, str, Any]], lang_state: gr.State) -> None:
    with gr.Row():
        choice = gr.Dropdown(
            choices=question_sets(), value=str(PROJECT / "evals" / "suites" / "seed.toml"), elem_id="nd-eval-set"
        )
        with gr.Column():  # buttons rather than drop zones: their words follow the page's language
            uploaded = gr.UploadButton(file_types=[".jsonl"], size="sm", elem_id="nd-eval-upload")
            corpus = gr.UploadButton(file_types=[".jsonl"], size="sm", elem_id="nd-eval-corpus")
            chosen_files = gr.Markdown(elem_id="nd-eval-files")
    with gr.Row():
        mode = gr.Radio(choices=["retrieval", "answer"], value="retrieval", elem_id="nd-eval-mode")
        limit = gr.Number(value=20, precision=0, minimum=1, maximum=MAX_QUESTIONS["retrieval"], elem_id="nd-eval-limit")
        go = gr.Button(variant="primary", elem_id="nd-eval-run")
    status = gr.Markdown(elem_id="nd-eval-status")
    table = gr.Dataframe(headers=["metric", "default"], interactive=False, elem_id="nd-eval-metrics")
    with gr.Row():
        plot1 = gr.Image(show_label=False, interactive=False, buttons=["download", "fullscreen"])
        plot2 = gr.Image(show_label=False, interactive=False, buttons=["download", "fullscreen"])
    per_question = gr.Dataframe(
        headers=["question", "expected", "result", "citations", "pass"],
        interactive=False,
        wrap=True,
        max_height=480,
        elem_id="nd-eval-questions",
        column_widths=["34%", "16%", "32%", "12%", "6%"],
    )
    labels += [
        (choice, "label", "question_set"),
        (uploaded, "label", "upload_set"),
        (corpus, "label", "corpus_for_eval"),
        (mode, "label", "mode"),
        (limit, "label", "limit"),
        (go, "value", "run_eval"),
        (table, "label", "metrics"),
        (per_question, "label", "per_question"),
        (mode, "choices", (("retrieval", "mode_retrieval"), ("answer", "mode_answer"))),
        (per_question, "headers", ("col_question", "col_expected", "col_result", "col_citations", "col_pass")),
    ]

    def on_run(
        chosen: str,
        uploaded_path: str | None,
        corpus_path: str | None,
        mode_v: str,
        limit_v: Any,
        lang: str,
        progress: Any = gr.Progress(),
    ) -> tuple[Any, ...]:
        cap = MAX_QUESTIONS.get(mode_v, 0)
        try:
            if not isinstance(limit_v, (int, float)) or not 1 <= int(limit_v) <= cap:
                raise ConfigError(Problem("eval_cap", cap=cap, mode=t(lang, f"mode_{mode_v}")))
            if uploaded_path:
                config = EvalConfig(
                    name=Path(uploaded_path).stem,
                    questions=Path(uploaded_path),
                    corpora=[Path(corpus_path)] if corpus_path else [],
                    keep_index=False,
                )
            elif chosen and chosen.endswith(".toml"):
                config = load_suite(Path(chosen))
            else:
                config = EvalConfig(name=Path(chosen).stem, questions=Path(chosen))
            config.mode = mode_v
            config.presets = ["default"] if mode_v == "answer" else ["bm25", "dense", "rrf", "default"]
            config.limit = int(limit_v)
            out = run_eval(
                config,
                pipeline.settings,
                Path(pipeline.settings.data_dir) / "eval-runs",
                # Stages restart their count: the bar shows the stage's count and the time spent, not a
                # remaining time computed from one stage's fraction.
                progress=lambda stage, done, total: progress(None, desc=f"{stage} {done}/{total}"),
            )
        except NewsdeskError as exc:
            gr.Warning(localize(exc, lang))
            return f"⚠ {html.escape(localize(exc, lang))}", None, None, None, None, *CLEARED
        finally:
            for path in (uploaded_path, corpus_path):  # uploads are read once
                if path:
                    Path(path).unlink(missing_ok=True)
        summary = json.loads((out / "summary.json").read_text())
        rows = read_results(out / "results.jsonl")
        images = [_image(uri) for _, uri in plots(summary, rows)]
        headers = ["metric", *summary["presets"]]
        main = summary["main_preset"]
        note = f"{summary['presets'][main]['n']} questions · {summary['wall_s']} s · {html.escape(str(out))}"
        return (
            note,
            gr.update(value=metrics_table(summary), headers=headers),
            images[0] if images else None,
            images[1] if len(images) > 1 else None,
            question_table(rows, main, summary["mode"]),
            *CLEARED,
        )

    def show_chosen(questions_path: str | None, corpus_path: str | None) -> str:
        return " · ".join(f"📄 {html.escape(Path(p).name)}" for p in (questions_path, corpus_path) if p)

    uploaded.upload(show_chosen, [uploaded, corpus], [chosen_files])
    corpus.upload(show_chosen, [uploaded, corpus], [chosen_files])

    go.click(
        on_run,
        [choice, uploaded, corpus, mode, limit, lang_state],
        [status, table, plot1, plot2, per_question, uploaded, corpus, chosen_files],
        concurrency_id="llm",
        show_progress_on=[status],  # one progress bar, not one per output
    )
