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


def truncated(vectors: np.ndarray, dims: int) -> np.ndarray:
    cut = vectors[:, :dims]
    return cut / np.linalg.norm(cut, axis=1, keepdims=True)


def main() -> None:
    from rag import load_settings
    from rag.evals import metrics
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
    first: list[float] = []
    for dims in args.dims or [768, 512, 256, 128]:
        c, q = truncated(chunks, dims), truncated(queries, dims)
        scores = []
        for question, vector in zip(questions, q, strict=True):
            ranked = metrics.article_ranking([articles[i] for i in np.argsort(-(c @ vector))])
            scores.append(metrics.retrieval_scores(ranked, set(question.article_ids)))
        mrr = [s["mrr@10"] for s in scores]
        first = first or mrr
        diff, low, high = metrics.paired_bootstrap(first, mrr)
        versus = f"{diff:+.3f} [{low:+.3f}, {high:+.3f}]"
        hit = metrics.mean([s["hit@5"] for s in scores]) or 0.0
        print(f"{dims:>6} {hit:>7.3f} {metrics.mean(mrr) or 0.0:>7.3f} {versus:>44} {dims * 4:>12}")


if __name__ == "__main__":
    main()
