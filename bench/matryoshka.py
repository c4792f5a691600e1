"""Shorter vectors from a Matryoshka embedder: dense retrieval with the first D dimensions, side by side.

EmbeddingGemma was trained so that the first 512, 256 or 128 of its 768
dimensions, renormalised, still embed the text. This reads the vectors of a
suite's evaluation index (built by ``newsdesk eval`` with the same embedder, or
built here on first use), keeps the first D dimensions of chunks and questions,
and ranks the articles by their best chunk with exact search (no HNSW graph,
no BM25), so that only the dimensions differ. Prints hit@5, MRR@10, the
paired difference in MRR@10 from the first D (95% bootstrap interval) and
the index's vector bytes per chunk for each D.

    .venv/bin/python bench/matryoshka.py --suite evals/suites/orangesum_valid_titles.toml \
        --model embeddinggemma-300m --dims 768 --dims 512 --dims 256 --dims 128
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

BATCH = 500


def ranked_articles(scores: np.ndarray, articles: list[str], depth: int = 10) -> list[str]:
    """Articles by their best chunk's score, best first (``depth`` of them)."""
    order = np.argsort(-scores)
    seen: dict[str, None] = {}
    for i in order:
        seen.setdefault(articles[i])
        if len(seen) == depth:
            break
    return list(seen)


def scores_at(ranked: list[str], gold: set[str]) -> tuple[float, float]:
    """(hit@5, reciprocal rank within 10) of one question."""
    rank = next((i for i, a in enumerate(ranked, 1) if a in gold), None)
    return float(rank is not None and rank <= 5), (1.0 / rank if rank is not None and rank <= 10 else 0.0)


def paired_interval(differences: np.ndarray, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of the mean of per-question ``differences``."""
    rng = np.random.default_rng(seed)
    means = differences[rng.integers(0, len(differences), (rounds, len(differences)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def truncated(vectors: np.ndarray, dims: int) -> np.ndarray:
    cut = vectors[:, :dims]
    return cut / np.linalg.norm(cut, axis=1, keepdims=True)


def main() -> None:
    from rag import load_settings
    from rag.evals.harness import run_index
    from rag.evals.questions import load_questions, load_suite

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, required=True, help="an evals/suites/*.toml file")
    parser.add_argument("--model", default="embeddinggemma-300m", help="embedder preset (provisioned)")
    parser.add_argument("--dims", type=int, action="append", help="dimensions kept (default 768, 512, 256, 128)")
    args = parser.parse_args()
    suite = load_suite(args.suite)
    settings = load_settings({"embedder.model": args.model})  # as `newsdesk eval --set embedder.model=…` reads it
    pipeline, _ = run_index(settings, suite.corpora)
    store, embedder = pipeline.store, pipeline.embedder
    ids = [c.id for c in store.iter_chunks()]
    pairs = [p for i in range(0, len(ids), BATCH) for p in store.get_chunks(ids[i : i + BATCH])]
    articles = [chunk.article_id for chunk, _ in pairs]
    chunks = np.stack([vector for _, vector in pairs]).astype(np.float32)
    questions = [q for q in load_questions(suite.questions) if q.article_ids]
    queries = embedder.embed_queries([q.question for q in questions]).astype(np.float32)
    print(f"{suite.name}: {len(questions)} questions, {len(chunks)} chunks, {args.model} ({chunks.shape[1]} dims)")
    print(
        f"{'dims':>6} {'hit@5':>7} {'MRR@10':>7} {'MRR@10 vs the first, 95% paired bootstrap':>44} {'bytes/chunk':>12}"
    )
    first: np.ndarray | None = None
    for dims in args.dims or [768, 512, 256, 128]:
        c, q = truncated(chunks, dims), truncated(queries, dims)
        got = np.array(
            [
                scores_at(ranked_articles(c @ v, articles), set(qq.article_ids))
                for qq, v in zip(questions, q, strict=True)
            ]
        )
        first = got[:, 1] if first is None else first
        low, high = paired_interval(got[:, 1] - first)
        versus = f"{float(np.mean(got[:, 1] - first)):+.3f} [{low:+.3f}, {high:+.3f}]"
        print(f"{dims:>6} {got[:, 0].mean():>7.3f} {got[:, 1].mean():>7.3f} {versus:>44} {dims * 4:>12}")


if __name__ == "__main__":
    main()
