"""The evaluation harness: run question sets through the pipeline and its baselines.

A run builds (or reuses) an isolated index of its corpora in the models
directory's cache — never the user's store — keyed by the corpora's content
and the settings that shape the index; embeddings are cached by text, so
reusing a corpus never embeds it again. Results are written question by
question (``results.jsonl``), so an interrupted run keeps what it did.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answer.evidence import weigh
from rag.answer.shape import is_refusal
from rag.config import with_overrides
from rag.errors import ConfigError, NewsdeskError
from rag.evals import metrics
from rag.evals.baselines import SIMPLE, LlamaIndexLLM, NaiveLlamaIndex
from rag.evals.questions import EvalConfig, Question, load_questions, pick, sample_unanswerable
from rag.evals.rows import answer_row, gate_scores, retrieval_row, text_scores
from rag.evals.support import Check, Item, load_items, support_row
from rag.ingest.sources import load_path
from rag.text.language import detect_answer, detect_question
from rag.types import Article, Filters

if TYPE_CHECKING:
    from rag.ingest.indexing import Progress
    from rag.pipeline import Pipeline
    from rag.settings import Settings

log = logging.getLogger(__name__)
INDEX_VERSION = 2  # bumped when ingestion reads the same corpus differently (2: titles given as HTML read as text)


def _sha256(path: Path) -> str:
    """Content hash of a corpus file, or of every supported file in a corpus folder."""
    from rag.ingest.sources import iter_files

    digest = hashlib.sha256()
    files = sorted(iter_files(path)) if path.is_dir() else [path]
    for file in files:
        digest.update(file.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        with open(file, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def read_corpora(corpora: list[Path]) -> list[Article]:
    articles: list[Article] = []
    for path in corpora:
        if not Path(path).exists():
            raise ConfigError(f"corpus {path} not found — check the path")
        for file, loaded in load_path(Path(path)):
            if loaded.errors:
                log.warning("%s: %d lines rejected (first: %s)", file, len(loaded.errors), loaded.errors[0])
            articles.extend(loaded.articles)
    return articles


def run_index(
    settings: Settings, corpora: list[Path], progress: Progress | None = None
) -> tuple[Pipeline, list[Article]]:
    """A pipeline over an isolated, cached index of ``corpora`` (built on first use)."""
    from rag.pipeline import build

    shape = {
        "v": INDEX_VERSION,
        "corpora": sorted(_sha256(Path(c)) for c in corpora),
        "embedder": settings.embedder.model,
        "backend": settings.embedder.backend,
        "max_seq": settings.embedder.max_seq_length,
        "chunking": settings.chunking.model_dump(),
        "hnsw": [settings.store.hnsw_max_neighbors, settings.store.hnsw_ef_construction],
    }
    key = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]
    data_dir = Path(settings.models_dir) / "cache" / "eval-indexes" / key
    run_settings = settings.model_copy(deep=True)
    run_settings.data_dir = data_dir
    run_settings.store.url = None
    pipeline = build(run_settings)
    articles = read_corpora(corpora)
    marker = data_dir / "COMPLETE"
    if not marker.exists():
        log.info("building the evaluation index %s (%d articles)", data_dir, len(articles))
        report = pipeline.add_articles(articles, progress)
        if report.rejected:
            log.warning("%d articles rejected while indexing", len(report.rejected))
        marker.write_text(json.dumps(shape))
    return pipeline, articles


def newest_date(articles: list[Article]) -> date | None:
    dates = [a.date for a in articles if a.date]
    return date.fromisoformat(max(dates)[:10]) if dates else None


def run_eval(
    config: EvalConfig, settings: Settings, out_root: Path, progress: Callable[[str, int, int], None] | None = None
) -> Path:
    """Run ``config``; returns the run directory with results.jsonl, summary.json and report.html."""
    config.validate()
    items = {i.id: i for i in load_items(config.questions)} if config.mode == "support" else {}
    questions = [i.as_question() for i in items.values()] if items else load_questions(config.questions)
    questions = pick(questions, config.limit, config.sample, config.seed)
    questions, hidden = sample_unanswerable(questions, config.unanswerable, config.seed)
    settings = with_overrides(settings, config.overrides, origin="eval")
    corpora = config.corpora
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = config.out or (out_root / f"{stamp}-{config.name}")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cleanup: Path | None = None
    if items:  # the labelled sentences hold their passages: no index
        from rag.pipeline import build

        pipeline, articles = build(settings), list[Article]()
    elif corpora:
        pipeline, articles = run_index(
            settings, corpora, progress=(lambda d, t, c: progress("indexing", d, t)) if progress else None
        )
        if not config.keep_index:
            cleanup = Path(pipeline.settings.data_dir)
    else:  # the user's own archive, read only
        from rag.pipeline import build

        pipeline = build(settings)
        articles = [r.article for r in pipeline.store.list_articles(with_text="naive-llamaindex" in config.presets)]
        if not articles:
            raise ConfigError("no corpus given and the index is empty — pass --corpus FILE or add articles first")
    # The day questions are asked on: it is in the instructions, so it is read once (a run may cross midnight) and
    # recorded. An undated corpus is asked on the run's day unless retrieval.reference_date pins one.
    reference = newest_date(articles) or pipeline.today()
    filters = Filters(exclude_article_ids=tuple(sorted(hidden))) if hidden else None
    results_path = out / "results.jsonl"
    interrupted = False
    timings: dict[str, float] = {}
    with open(results_path, "w", encoding="utf-8") as results:
        try:
            for preset in config.presets:
                preset_started = time.perf_counter()
                for done, (q, row) in enumerate(
                    _run_preset(
                        preset, config.mode, pipeline, articles, questions, filters, reference, settings, items
                    ),
                    1,
                ):
                    line = {
                        "preset": preset,
                        "id": q.id,
                        "question": q.question,
                        "lang": q.lang,
                        "kind": q.kind,
                        "answerable": q.answerable,
                        "gold": list(q.article_ids),
                        "answers": list(q.answers),
                        **row,
                    }
                    results.write(json.dumps(line, ensure_ascii=False) + "\n")
                    results.flush()
                    if progress:
                        progress(preset, done, len(questions))
                timings[preset] = round(time.perf_counter() - preset_started, 1)
        except KeyboardInterrupt:
            interrupted = True
    from rag.evals.report import summarize, write_report

    wall_s = round(time.perf_counter() - started, 1)
    summary = summarize(results_path, config, settings, timings, interrupted, wall_s, reference)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    write_report(out, summary, results_path)
    if cleanup is not None:
        pipeline.store.close()
        shutil.rmtree(cleanup, ignore_errors=True)
    return out


Row = dict[str, Any]


def _run_preset(
    preset: str,
    mode: str,
    pipeline: Pipeline,
    articles: list[Article],
    questions: list[Question],
    filters: Filters | None,
    reference: date | None,
    settings: Settings,
    items: dict[str, Item],
) -> Iterator[tuple[Question, Row]]:
    naive = NaiveLlamaIndex(articles, pipeline.embedder) if preset == "naive-llamaindex" else None
    check = Check(pipeline) if mode == "support" else None
    for q in questions:
        try:
            if check is not None:
                yield q, support_row(items[q.id], check)
            elif mode == "retrieval":
                yield (
                    q,
                    _naive_retrieval_row(q, naive) if naive is not None else _retrieval(q, preset, pipeline, filters),
                )
            elif naive is not None:
                yield q, _naive_answer_row(q, naive, pipeline, settings)
            else:
                yield q, _answer(q, pipeline, filters, date.fromisoformat(q.date[:10]) if q.date else reference)
        except NewsdeskError as exc:
            yield q, {"error": str(exc)}


def _retrieval(q: Question, preset: str, pipeline: Pipeline, filters: Filters | None) -> Row:
    started = time.perf_counter()
    hits = SIMPLE[preset](pipeline, q.question, q.lang or detect_question(q.question), filters)
    row = retrieval_row(q, hits, time.perf_counter() - started)
    if preset == "default":  # would the product refuse before asking the model?
        cfg = pipeline.settings.retrieval
        lang = q.lang or detect_question(q.question)
        words = (cfg.min_coverage, cfg.first_words)
        evidence = weigh(q.question, hits[: cfg.top_k], cfg.min_relevance, cfg.require_names, lang, None, *words)
        row["scores"].update(gate_scores(q, evidence))
    return row


def _naive_retrieval_row(q: Question, naive: NaiveLlamaIndex) -> Row:
    started = time.perf_counter()
    ranked = metrics.article_ranking([a for a, _ in naive.search(q.question)])
    row: Row = {"ranked_articles": ranked, "latency_retrieval_ms": round((time.perf_counter() - started) * 1000, 2)}
    if q.article_ids:
        row["scores"] = metrics.retrieval_scores(ranked, set(q.article_ids))
    return row


def _naive_answer_row(q: Question, naive: NaiveLlamaIndex, pipeline: Pipeline, settings: Settings) -> Row:
    started = time.perf_counter()
    text = naive.answer(q.question, LlamaIndexLLM.create(pipeline.llm, settings.llm.max_tokens))
    lang = detect_answer(text)
    refused = is_refusal(text)  # llama-index has no refusal of its own: read the text as ours is read
    return {
        "answer": text,
        "answer_lang": lang,
        "refused": refused,
        "total_s": round(time.perf_counter() - started, 3),
        "scores": {"language_match": float(lang == q.lang), **text_scores(q, text, refused)},
    }


def _answer(q: Question, pipeline: Pipeline, filters: Filters | None, today: date | None) -> Row:
    answer = pipeline.ask(q.question, filters=filters, today=today)
    row = answer_row(q, answer)
    ranked = metrics.article_ranking([h.chunk.article_id for h in answer.retrieval.hits])
    row["retrieved_articles"] = ranked
    if q.article_ids:
        scores = metrics.retrieval_scores(ranked, set(q.article_ids))
        row["scores"].update({k: v for k, v in scores.items() if k in ("hit@1", "hit@5", "recall@5", "mrr@10")})
    return row
