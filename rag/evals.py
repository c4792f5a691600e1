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
import random
import shutil
import time
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator

from . import metrics
from .baselines import PRESETS, SIMPLE, NaiveLlamaIndex
from .citations import marker_numbers, strip_markers
from .errors import ConfigError, NewsdeskError
from .language import detect_answer
from .settings import with_overrides
from .sources import load_path
from .types import Article, Filters

log = logging.getLogger(__name__)
INDEX_VERSION = 1
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    answers: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    answerable: bool = True
    kind: str = "qa"
    date: str | None = None


def load_questions(path: Path) -> list[Question]:
    """Questions from a JSONL file in the documented schema; a bad line is a one-line error."""
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read questions {path} ({exc.strerror}) — check the path") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(Question(id=str(r["id"]), question=str(r["question"]), lang=str(r.get("lang") or ""),
                                answers=tuple(r.get("answers") or ()), article_ids=tuple(r.get("article_ids") or ()),
                                answerable=bool(r.get("answerable", True)), kind=str(r.get("kind") or "qa"), date=r.get("date")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{n}: not a question in the documented schema ({exc}) — see evals/README.md") from None
    if not out:
        raise ConfigError(f"{path} holds no questions")
    return out


@dataclass
class EvalConfig:
    name: str
    questions: Path
    corpora: list[Path] = field(default_factory=list)
    mode: str = "retrieval"
    presets: list[str] = field(default_factory=lambda: ["default"])
    overrides: dict = field(default_factory=dict)
    limit: int | None = None
    unanswerable: float = 0.0
    seed: int = 0
    out: Path | None = None
    keep_index: bool = True  # False for a one-off corpus (a web upload): its index is deleted after the run

    def validate(self) -> None:
        if self.mode not in ("retrieval", "answer"):
            raise ConfigError(f"mode {self.mode!r}: use retrieval or answer")
        for preset in self.presets:
            if preset not in PRESETS:
                raise ConfigError(f"unknown preset {preset!r} — choose from {', '.join(PRESETS)}")
        if not 0 <= self.unanswerable < 1:
            raise ConfigError("--unanswerable is a share between 0 and 1")


def load_suite(path: Path) -> EvalConfig:
    """A suite file (TOML): questions, corpora, mode, presets, overrides; paths relative to the file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read suite {path} ({exc})") from None
    base = Path(path).resolve().parent
    known = {"name", "questions", "corpora", "mode", "presets", "set", "limit", "unanswerable", "seed"}
    if unknown := set(data) - known:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}")
    return EvalConfig(
        name=data.get("name", Path(path).stem), questions=(base / data["questions"]).resolve(),
        corpora=[(base / c).resolve() for c in data.get("corpora", [])], mode=data.get("mode", "retrieval"),
        presets=list(data.get("presets", ["default"])), overrides=dict(data.get("set", {})),
        limit=data.get("limit"), unanswerable=float(data.get("unanswerable", 0.0)), seed=int(data.get("seed", 0)),
    )


def _sha256(path: Path) -> str:
    """Content hash of a corpus file, or of every supported file in a corpus folder."""
    from .sources import iter_files

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


def run_index(settings, corpora: list[Path], progress=None):
    """A pipeline over an isolated, cached index of ``corpora`` (built on first use)."""
    from .pipeline import build

    shape = {"v": INDEX_VERSION, "corpora": sorted(_sha256(Path(c)) for c in corpora), "embedder": settings.embedder.model,
             "backend": settings.embedder.backend, "max_seq": settings.embedder.max_seq_length,
             "chunking": settings.chunking.model_dump(),
             "hnsw": [settings.store.hnsw_max_neighbors, settings.store.hnsw_ef_construction]}
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


def sample_unanswerable(questions: list[Question], share: float, seed: int) -> tuple[list[Question], set[str]]:
    """Turn a seeded share of answerable questions into unanswerable ones; returns the gold ids to hide."""
    if share <= 0:
        return questions, set()
    candidates = [q for q in questions if q.answerable and q.article_ids]
    picked = set(q.id for q in random.Random(seed).sample(candidates, int(round(share * len(candidates)))))
    hidden = {a for q in questions if q.id in picked for a in q.article_ids}
    out = []
    for q in questions:
        if q.id in picked:
            out.append(Question(q.id, q.question, q.lang, (), (), False, q.kind, q.date))
        else:
            out.append(q)
    return out, hidden


def _retrieval_row(q: Question, hits, seconds: float) -> dict:
    ranked = metrics.article_ranking([h.chunk.article_id for h in hits])
    gold = set(q.article_ids)
    row = {"ranked_articles": ranked[:20], "hits": [{"chunk_id": h.chunk.id, "fused": round(h.fused, 5),
            "dense": None if h.dense is None else round(h.dense, 4), "bm25": None if h.bm25 is None else round(h.bm25, 3)} for h in hits[:10]],
           "latency_retrieval_ms": round(seconds * 1000, 2),
           "top_relevance": max((h.relevance for h in hits[:5] if h.relevance is not None), default=None)}
    if gold:
        row["scores"] = metrics.retrieval_scores(ranked, gold)
    return row


def _answer_row(q: Question, answer, raw: str) -> dict:
    text = answer.answer
    cited_articles = {c.article_id for c in answer.citations}
    row = {
        "answer": text, "raw_answer": raw, "refused": answer.refused, "answer_lang": detect_answer(text) if text else "",
        "citations": [{"n": c.n, "article_id": c.article_id, "chunk_id": c.chunk_id, "support": c.support} for c in answer.citations],
        "sentences": [{"text": s.text, "citations": list(s.citations), "supported": s.supported} for s in answer.sentences],
        "prompt_tokens": answer.tokens.get("prompt"), "completion_tokens": answer.tokens.get("completion"),
        "latency_retrieval_ms": answer.timings.get("retrieval_ms"), "ttft_s": answer.timings.get("ttft_s"),
        "total_s": answer.timings.get("total_s"),
    }
    scores = {"language_match": float(row["answer_lang"] == q.lang) if text else None}
    shown = marker_numbers(text)
    known = {c.n for c in answer.citations}
    scores["citation_validity"] = sum(n in known for n in shown) / len(shown) if shown else None
    raw_numbers = marker_numbers(raw)
    scores["raw_citation_validity"] = (sum(1 for n in raw_numbers if 1 <= n <= max(len(answer.retrieval.hits), 1)) / len(raw_numbers)) if raw_numbers else None
    if q.answerable:
        scores["false_refusal"] = float(answer.refused)
        if q.answers and not answer.refused:
            scores["exact_match"] = metrics.exact_match(strip_markers(text), q.answers, q.lang)
            scores["f1"] = metrics.token_f1(strip_markers(text), q.answers, q.lang)
            scores["answer_contains"] = metrics.answer_contains(text, q.answers, q.lang)
        if cited_articles and q.article_ids:
            scores["citation_precision"] = len(cited_articles & set(q.article_ids)) / len(cited_articles)
    else:
        scores["refusal_accuracy"] = float(answer.refused)
    if answer.sentences and not answer.refused:
        scores["supported_sentences"] = sum(s.supported for s in answer.sentences) / len(answer.sentences)
    row["scores"] = {k: v for k, v in scores.items() if v is not None}
    return row


def run(config: EvalConfig, settings, out_root: Path, progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Run ``config``; returns the run directory with results.jsonl, summary.json and report.html."""
    config.validate()
    questions = load_questions(config.questions)
    if config.limit:
        questions = questions[: config.limit]
    questions, hidden = sample_unanswerable(questions, config.unanswerable, config.seed)
    settings = with_overrides(settings, config.overrides, origin="eval")
    corpora = config.corpora
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = config.out or (out_root / f"{stamp}-{config.name}")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cleanup: Path | None = None
    if corpora:
        pipeline, articles = run_index(settings, corpora, progress=(lambda d, t, c: progress("indexing", d, t)) if progress else None)
        if not config.keep_index:
            cleanup = Path(pipeline.settings.data_dir)
    else:  # the user's own archive, read only
        from .pipeline import build

        pipeline = build(settings)
        articles = [r.article for r in pipeline.store.list_articles(with_text="naive-llamaindex" in config.presets)]
        if not articles:
            raise ConfigError("no corpus given and the index is empty — pass --corpus FILE or add articles first")
    reference = newest_date(articles)
    filters = Filters(exclude_article_ids=tuple(sorted(hidden))) if hidden else None
    results_path = out / "results.jsonl"
    interrupted = False
    timings: dict[str, float] = {}
    with open(results_path, "w", encoding="utf-8") as results:
        try:
            for preset in config.presets:
                preset_started = time.perf_counter()
                for done, (q, row) in enumerate(_run_preset(preset, config.mode, pipeline, articles, questions, filters, reference, settings), 1):
                    line = {"preset": preset, "id": q.id, "question": q.question, "lang": q.lang, "kind": q.kind,
                            "answerable": q.answerable, "gold": list(q.article_ids), "answers": list(q.answers), **row}
                    results.write(json.dumps(line, ensure_ascii=False) + "\n")
                    results.flush()
                    if progress:
                        progress(preset, done, len(questions))
                timings[preset] = round(time.perf_counter() - preset_started, 1)
        except KeyboardInterrupt:
            interrupted = True
    from .report import summarize, write_report

    summary = summarize(results_path, config, settings, timings, interrupted, round(time.perf_counter() - started, 1))
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    write_report(out, summary, results_path)
    if cleanup is not None:
        pipeline.store.close()
        shutil.rmtree(cleanup, ignore_errors=True)
    return out


def _run_preset(preset: str, mode: str, pipeline, articles, questions, filters, reference, settings) -> Iterator[tuple[Question, dict]]:
    naive = NaiveLlamaIndex(articles, pipeline.embedder) if preset == "naive-llamaindex" else None
    for q in questions:
        today = date.fromisoformat(q.date[:10]) if q.date else reference
        lang = q.lang or None
        if mode == "retrieval":
            started = time.perf_counter()
            try:
                if naive is not None:
                    hits = naive.search(q.question)
                    seconds = time.perf_counter() - started
                    ranked = metrics.article_ranking([a for a, _ in hits])
                    row = {"ranked_articles": ranked, "latency_retrieval_ms": round(seconds * 1000, 2)}
                    if q.article_ids:
                        row["scores"] = metrics.retrieval_scores(ranked, set(q.article_ids))
                    yield q, row
                    continue
                from .language import detect_question

                hits = SIMPLE[preset](pipeline, q.question, lang or detect_question(q.question), filters)
                yield q, _retrieval_row(q, hits, time.perf_counter() - started)
            except NewsdeskError as exc:
                yield q, {"error": str(exc)}
            continue
        # answer mode
        if naive is not None:
            started = time.perf_counter()
            text = naive.answer(q.question, pipeline.llm.as_llama_index())
            row = {"answer": text, "answer_lang": detect_answer(text), "total_s": round(time.perf_counter() - started, 3),
                   "scores": {"language_match": float(detect_answer(text) == q.lang)}}
            yield q, row
            continue
        raw = ""
        answer = None
        try:
            for event in pipeline.ask_stream(q.question, filters=filters, today=today):
                if event.kind == "token":
                    raw += event.text
                elif event.kind == "reset":
                    raw = ""
                elif event.kind == "answer":
                    answer = event.answer
        except NewsdeskError as exc:
            yield q, {"error": str(exc)}
            continue
        row = _answer_row(q, answer, raw)
        ranked = metrics.article_ranking([h.chunk.article_id for h in answer.retrieval.hits])
        row["retrieved_articles"] = ranked
        if q.article_ids:
            row["scores"].update({k: v for k, v in metrics.retrieval_scores(ranked, set(q.article_ids)).items() if k in ("hit@1", "hit@5", "recall@5", "mrr@10")})
        yield q, row
