"""Timeline latency on the Reuters corpus, side by side with the search it is built on.

Adds the Reuters articles into a store (or reuses ``--data-dir``), then times
``timeline`` and ``search`` (the same 60 passages, no grouping) on topics from the
corpus, one at a time: p50 and p95 in milliseconds, with the machine's load.

    .venv/bin/python bench/timeline.py --limit 5000 --data-dir /tmp/reuters-store
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPUS = ROOT.parent / "shared" / "data" / "corpora" / "reuters_5k_bodies.jsonl"
TOPICS = ["coffee prices", "Bank of England money market", "OPEC oil output", "dividend", "wheat exports to Egypt",
          "Japan trade surplus", "gold mine", "sugar crop", "interest rates", "takeover bid", "cocoa", "Brazil debt",
          "steel", "Federal Reserve", "soybean", "copper", "tin", "Texaco", "Chrysler", "yen dollar"]  # fmt: skip


def timed(fn, queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=5000, help="Reuters articles to add")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the store is (kept for the next run)")
    args = parser.parse_args()
    from rag.config import load_settings
    from rag.ingest.articles import article_from_record
    from rag.pipeline import build
    from rag.timelines import DEPTH

    pipeline = build(load_settings({"data_dir": str(args.data_dir)}, environ={}))
    if pipeline.is_empty():
        lines = CORPUS.read_text(encoding="utf-8").splitlines()[: args.limit]
        articles = [article_from_record(json.loads(line), f"reuters:{n}") for n, line in enumerate(lines, 1)]
        started = time.perf_counter()
        pipeline.add_articles(articles)
        print(f"added {len(articles)} articles in {time.perf_counter() - started:.0f} s")
    n = pipeline.store.counts()
    pipeline.timeline(TOPICS[0])  # models loaded, caches warm
    search = timed(lambda q: pipeline.search(q, k=DEPTH), TOPICS)
    line = timed(lambda q: pipeline.timeline(q), TOPICS)
    stories = [len(pipeline.timeline(q)[1]) for q in TOPICS]
    print(f"store: {n[0]} articles, {n[1]} chunks; {len(TOPICS)} topics, {statistics.median(stories):.0f} stories each")
    print(f"{'':<26}{'p50 ms':>10}{'p95 ms':>10}")
    for name, values in (("search (60 passages)", search), ("timeline", line)):
        q = statistics.quantiles(values, n=20)
        print(f"{name:<26}{statistics.median(values):>10.0f}{q[18]:>10.0f}")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
