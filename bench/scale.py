"""Scale: the whole Reuters corpus indexed, retrieval latency and memory, embedded vs Chroma server.

Embeds the corpus once (vectors are cached by text, so every store variant
reuses them), indexes it into an embedded store and into a Chroma server
started here, then times retrieval (query embedding + dense + BM25 + fusion)
on the same queries against both, side by side. Prints p50/p95 latency, peak
RSS, the size per chunk, and a projection to 1M and 10M chunks.

    .venv/bin/python bench/scale.py                 # 19,043 articles; about 15 min the first time
    .venv/bin/python bench/scale.py --limit 5000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters21578.jsonl"


def rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def time_queries(pipeline, queries: list[str]) -> dict:
    import numpy as np

    from rag.text.language import detect_question

    pipeline.search(queries[0])  # warm: BM25 index, catalogue, model
    times = []
    for q in queries:
        started = time.perf_counter()
        pipeline.retriever.search(q, detect_question(q), None, 10)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "mean_ms": round(float(np.mean(times)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus {args.corpus} not found (the shared data folder is needed for this benchmark)")
    from rag.config import load_settings
    from rag.evals.harness import read_corpora
    from rag.pipeline import build

    from servers import chroma_server

    tmp = Path(tempfile.mkdtemp(prefix="nd-scale-"))
    source = args.corpus
    if args.limit:
        source = tmp / "sample.jsonl"
        source.write_text(
            "\n".join(args.corpus.read_text(encoding="utf-8").splitlines()[: args.limit]), encoding="utf-8"
        )
    articles = read_corpora([source])
    rng = random.Random(0)
    queries = [a.title for a in rng.sample(articles, min(args.queries, len(articles))) if a.title]
    print(f"{len(articles)} articles, {len(queries)} title queries; load average {os.getloadavg()[0]:.2f}", flush=True)

    embedded = build(load_settings({"data_dir": str(tmp / "embedded")}, environ={}))
    started = time.perf_counter()
    report = embedded.add_articles(articles)
    print(
        f"indexed {report.chunks} chunks in {time.perf_counter() - started:.0f} s (vectors cached by text: later "
        f"runs skip embedding)",
        flush=True,
    )
    results = {"chunks": report.chunks}
    results["embedded"] = time_queries(embedded, queries)
    results["embedded"]["store_mb"] = round(du_mb(tmp / "embedded" / "store"), 1)
    results["embedded"]["bm25_mb"] = round(du_mb(tmp / "embedded" / "bm25"), 1)
    results["embedded"]["peak_rss_mb"] = round(rss_mb())
    with chroma_server(tmp / "chroma") as server:
        remote = build(load_settings({"data_dir": str(tmp / "client"), "store.url": server.url}, environ={}))
        started = time.perf_counter()
        remote.add_articles(articles)
        copy_s = time.perf_counter() - started
        results["server"] = time_queries(remote, queries)
        results["server"]["index_copy_s"] = round(copy_s, 1)
        results["server"]["server_peak_rss_mb"] = round(rss_mb(server.proc.pid))
        results["server"]["server_store_mb"] = round(du_mb(tmp / "chroma"), 1)
        results["server"]["client_peak_rss_mb"] = round(rss_mb())
    n = report.chunks
    e, s = results["embedded"], results["server"]
    print(f"retrieval latency, {len(queries)} queries (query embedding + dense + BM25 + fusion, top 10):")
    print(
        f"  embedded store : p50 {e['p50_ms']} ms, p95 {e['p95_ms']} ms | store {e['store_mb']} MB on disk, BM25 "
        f"{e['bm25_mb']} MB, peak RSS {e['peak_rss_mb']} MB"
    )
    print(
        f"  Chroma server  : p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms | server peak RSS {s['server_peak_rss_mb']} "
        f"MB, store {s['server_store_mb']} MB"
    )
    per_chunk_kb = e["store_mb"] * 1000 / n
    print(
        f"per chunk: {per_chunk_kb:.1f} KB on disk; projection (384-d, Chroma's published single-node figures scaled "
        f"by dimension):"
    )
    links = load_settings().store.hnsw_max_neighbors
    for target in (1_000_000, 10_000_000):
        vectors_gb = target * (384 * 4 + links * 2 * 4) / 1e9  # float32 vector + the HNSW graph's bottom-layer links
        print(
            f"  {target:>10,} chunks: ~{vectors_gb:.1f} GB of HNSW in RAM, ~{per_chunk_kb * target / 1e6:.0f} GB on "
            f"disk, "
            f"BM25 ~{e['bm25_mb'] / n * target / 1000:.1f} GB"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
