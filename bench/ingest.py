"""Ingestion throughput: the pipeline end to end against the raw encoder, side by side.

Ingests a sample of the Reuters corpus into a fresh store (embedding cache off)
and prints articles/s, chunks/s, peak RSS, and the ratio of end-to-end chunk
throughput to the raw encoder's throughput on the very same chunk texts,
measured in the same run, and the latency of one query (p50 over 40 questions,
one at a time, as a search does). With ``--backend torch --backend
openvino-int8`` the two encoders are compared; with ``--model
multilingual-e5-small --model embeddinggemma-300m`` the two embedders.

    .venv/bin/python bench/ingest.py --limit 2000
    .venv/bin/python bench/ingest.py --limit 300 --backend openvino-int8 \
        --model multilingual-e5-small --model embeddinggemma-300m
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters21578.jsonl"
QUESTIONS = ROOT / "evals" / "seed.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--limit", type=int, default=2000, help="articles (the whole 19,043 takes about half an hour with torch)"
    )
    parser.add_argument("--backend", action="append", help="embedder backend(s), default: torch and openvino-int8")
    parser.add_argument("--model", action="append", help="embedder model(s), default: the settings' one")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus {args.corpus} not found (the shared data folder is needed for this benchmark)")
    backends = args.backend or ["torch", "openvino-int8"]
    models = args.model or [""]
    variants = [(backend, model) for model in models for backend in backends]
    if len(variants) > 1:  # one process per variant, so each peak RSS is its own
        results = {}
        for backend, model in variants:
            command = [sys.executable, __file__, "--corpus", str(args.corpus), "--limit", str(args.limit)]
            command += ["--backend", backend] + (["--model", model] if model else [])
            out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()
            print("\n".join(out[:-1]), flush=True)
            results.update(json.loads(out[-1]))
        (first, a), (second, b) = list(results.items())[:2]
        print(f"{second} against {first}: {b['chunks_per_s'] / a['chunks_per_s']:.2f}x the chunks/s")
        print(json.dumps(results))
        return

    from rag.config import load_settings
    from rag.evals.harness import read_corpora
    from rag.ingest.chunking import chunk_article
    from rag.pipeline import build

    lines = args.corpus.read_text(encoding="utf-8").splitlines()[: args.limit]
    tmp = Path(tempfile.mkdtemp(prefix="nd-bench-"))
    sample = tmp / "sample.jsonl"
    sample.write_text("\n".join(lines), encoding="utf-8")
    articles = read_corpora([sample])
    print(f"{len(articles)} articles from {args.corpus.name}; load average {os.getloadavg()[0]:.2f}", flush=True)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()[:40]]
    results = {}
    for backend, model in variants:
        overrides = {"embedder.backend": backend, "embedder.cache": False, "data_dir": str(tmp / backend)}
        settings = load_settings(overrides | ({"embedder.model": model} if model else {}), environ={})
        name = f"{settings.embedder.model}/{backend}"
        pipeline = build(settings)
        embedder = pipeline.embedder
        embedder.embed_documents(["warm-up passage"])  # load the model outside both timings
        pipeline.store.counts()  # and open the store (imports, connection): start-up, not throughput
        limit = min(embedder.max_tokens, settings.embedder.max_seq_length)
        chunks = [
            c
            for a in articles
            for c in chunk_article(
                a, embedder.count_tokens, settings.chunking.target_tokens, settings.chunking.overlap_tokens, limit
            )
        ]
        texts = [c.embed_text for c in chunks]
        started = time.perf_counter()
        embedder.embed_documents(texts)
        raw_s = time.perf_counter() - started
        started = time.perf_counter()
        report = pipeline.add_articles(articles)
        e2e_s = time.perf_counter() - started
        assert report.chunks == len(chunks), (report.chunks, len(chunks))
        latencies = []
        for question in questions:
            started = time.perf_counter()
            embedder.embed_queries([question])
            latencies.append(time.perf_counter() - started)
        results[name] = {
            "articles": len(articles),
            "chunks": len(chunks),
            "raw_chunks_per_s": round(len(chunks) / raw_s, 2),
            "articles_per_s": round(len(articles) / e2e_s, 2),
            "chunks_per_s": round(len(chunks) / e2e_s, 2),
            "ratio_to_raw": round(raw_s / e2e_s, 3),
            "query_ms_p50": round(1000 * statistics.median(latencies), 1),
            "peak_rss_mb": round(peak_rss_mb()),
        }
        r = results[name]
        print(
            f"{name}: raw encoder {r['raw_chunks_per_s']} chunks/s | pipeline {r['articles_per_s']} articles/s, "
            f"{r['chunks_per_s']} chunks/s = {100 * r['ratio_to_raw']:.1f}% of raw | "
            f"one query {r['query_ms_p50']} ms (p50) | peak RSS {r['peak_rss_mb']} MB",
            flush=True,
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
