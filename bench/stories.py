"""Stories on the NTREX mix: does every English/French pair land in one story, and nothing else with it?

The NTREX sets hold the same 40 articles in English and in French. They are mixed
with the OrangeSum and Reuters articles as distractors (7,930), shuffled with a seed,
and added one at a time by the product's rule (``rag.text.stories``) over the
product's lead vectors (each article's first chunk, embedded by the configured
embedder, as indexing does). Printed side by side, in the same run:

- leads only: the nearest lead's similarity alone, at three thresholds;
- Newsdesk: leads + shared names and numbers + date window, as shipped.

For each: B-cubed precision/recall/F1 and pairwise precision/recall over the 80
NTREX articles, pairs kept together, distractors attached to an NTREX story, and
the cost of one assignment (the vectors are the ones indexing computes anyway).

    .venv/bin/python bench/stories.py --cache /tmp/stories-leads.npy
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CORPORA = ROOT.parent / "shared" / "data" / "corpora"
FILES = [
    "ntrex_dev_en_bodies.jsonl",
    "ntrex_dev_fr_bodies.jsonl",
    "orangesum_valid_bodies.jsonl",
    "reuters_5k_bodies.jsonl",
]


def load() -> list:
    from rag.ingest.articles import article_from_record

    return [
        article_from_record(json.loads(line), f"{name}:{n}")
        for name in FILES
        for n, line in enumerate((CORPORA / name).read_text(encoding="utf-8").splitlines(), 1)
        if line.strip()
    ]


def lead_vectors(articles: list, cache: Path | None) -> np.ndarray:
    """Each article's first chunk embedded as indexing embeds it (cached: it is the slow part)."""
    if cache and cache.exists():
        return np.load(cache)
    from rag.config import load_settings
    from rag.ingest.chunking import chunk_article
    from rag.models.embedders import create

    settings = load_settings({})
    embedder = create(settings)
    limit = min(embedder.max_tokens, settings.embedder.max_seq_length)
    cfg = settings.chunking
    firsts = [
        chunk_article(a, embedder.count_tokens, cfg.target_tokens, cfg.overlap_tokens, limit)[0].embed_text
        for a in articles
    ]
    vectors = np.vstack([embedder.embed_documents(firsts[i : i + 64]) for i in range(0, len(firsts), 64)])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    if cache:
        np.save(cache, vectors)
    return vectors


def assign(articles: list, vectors: np.ndarray, order: list[int], rule) -> tuple[dict[int, int], float]:
    """Story of each article, added one at a time in ``order``; and the mean seconds per assignment."""
    from rag.ingest.stories import NEIGHBOURS, day_of
    from rag.text.stories import Neighbour, story_terms

    terms = [story_terms(f"{a.title}\n{a.text}") for a in articles]
    days = [day_of(a.date) for a in articles]
    story: dict[int, int] = {}
    present = np.zeros(len(articles), bool)
    spent = 0.0
    for i in order:
        started = time.perf_counter()
        joined = None
        if present.any():
            sims = vectors @ vectors[i]
            sims[~present] = -2.0
            near = np.argpartition(-sims, NEIGHBOURS)[:NEIGHBOURS]
            neighbours = [Neighbour(str(story[j]), float(sims[j]), terms[j], days[j]) for j in near if present[j]]
            joined = rule(terms[i], days[i], neighbours)
        story[i] = int(joined) if joined is not None else i
        present[i] = True
        spent += time.perf_counter() - started
    return story, spent / len(order)


def scores(story: dict[int, int], gold: dict[int, str]) -> dict[str, float]:
    items = list(gold)
    members = defaultdict(list)
    for i, s in story.items():
        members[s].append(i)
    precision = recall = 0.0
    tp = fp = fn = 0
    for i in items:
        predicted = [j for j in members[story[i]] if j in gold]
        right = sum(1 for j in predicted if gold[j] == gold[i])
        precision += right / len(predicted)
        recall += right / sum(1 for j in items if gold[j] == gold[i])
    for a in items:
        for b in items:
            if a < b:
                same, together = gold[a] == gold[b], story[a] == story[b]
                tp, fp, fn = tp + (same and together), fp + (together and not same), fn + (same and not together)
    precision, recall = precision / len(items), recall / len(items)
    ntrex_stories = {story[i] for i in items}
    attached = sum(1 for i in story if i not in gold and story[i] in ntrex_stories)
    return {
        "b3_precision": precision,
        "b3_recall": recall,
        "b3_f1": 2 * precision * recall / (precision + recall),
        "pair_precision": tp / (tp + fp) if tp + fp else 1.0,
        "pair_recall": tp / (tp + fn) if tp + fn else 1.0,
        "pairs_together": sum(1 for g in set(gold.values()) if len({story[i] for i in items if gold[i] == g}) == 1),
        "distractors_attached": attached,
        "distractor_share": attached / (len(story) - len(items)),
        "stories": len(members),
    }


def leads_only(threshold: float):
    def rule(terms, day, neighbours):
        best = max(neighbours, key=lambda nb: nb.similarity, default=None)
        return best.story if best and best.similarity >= threshold else None

    return rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="where to keep the lead vectors between runs (.npy)")
    parser.add_argument("--seed", type=int, default=0, help="the order the articles are added in")
    parser.add_argument("--product", type=int, default=0, help="also add this many of the mix through the product")
    args = parser.parse_args()
    from rag.text.stories import same_story

    articles = load()
    gold = {i: a.id.rsplit("-", 1)[0] for i, a in enumerate(articles) if a.id.startswith("ntrex-")}
    started = time.perf_counter()
    vectors = lead_vectors(articles, args.cache)
    print(f"{len(articles)} articles ({len(gold)} NTREX), lead vectors in {time.perf_counter() - started:.0f} s")
    order = list(range(len(articles)))
    random.Random(args.seed).shuffle(order)
    runs = {}
    for threshold in (0.90, 0.93, 0.96):
        story, seconds = assign(articles, vectors, order, leads_only(threshold))
        runs[f"leads only (similarity >= {threshold:.2f})"] = (scores(story, gold), seconds)
    story, seconds = assign(articles, vectors, order, same_story)
    runs["Newsdesk (leads + names and numbers + dates)"] = (scores(story, gold), seconds)
    keys = ["b3_precision", "b3_recall", "b3_f1", "pair_precision", "pair_recall", "pairs_together"]
    keys += ["distractors_attached", "distractor_share", "stories"]
    print(f"{'method':<48}" + "".join(f"{k:>22}" for k in keys) + f"{'ms/article':>12}")
    for name, (result, secs) in runs.items():
        cells = "".join(f"{result[k]:>22.4f}" if isinstance(result[k], float) else f"{result[k]:>22}" for k in keys)
        print(f"{name:<48}{cells}{secs * 1000:>12.2f}")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    if args.product:
        product_path(articles, order, gold, args.product)


def product_path(articles: list, order: list[int], gold: dict[int, str], n: int) -> None:
    """The same mix through ``add`` into a real store: every NTREX article and the first distractors of the order."""
    import tempfile

    from rag.config import load_settings
    from rag.ingest import stories
    from rag.pipeline import build

    chosen = [i for i in order if i in gold] + [i for i in order if i not in gold][: max(0, n - len(gold))]
    chosen = [i for i in order if i in set(chosen)]
    spent = [0.0]
    original = stories.Stories.assign

    def timed(self, batch, vectors):
        started = time.perf_counter()
        try:
            return original(self, batch, vectors)
        finally:
            spent[0] += time.perf_counter() - started

    stories.Stories.assign = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as data:
        pipeline = build(load_settings({"data_dir": data}, environ={}))
        started = time.perf_counter()
        for start in range(0, len(chosen), 32):  # adds of 32, as feeds and folders arrive
            pipeline.add_articles([articles[i] for i in chosen[start : start + 32]])
        total = time.perf_counter() - started
        found = {r.article.id: r.story for r in pipeline.articles()}
    index = {a.id: i for i, a in enumerate(articles)}
    story = {index[a]: index[s] for a, s in found.items()}
    result = scores(story, gold)
    print(
        f"through add ({len(chosen)} articles, {len(gold)} NTREX): B-cubed F1 {result['b3_f1']:.4f}, "
        f"pairs together {result['pairs_together']}/40, distractors attached {result['distractors_attached']}; "
        f"story assignment {spent[0] / len(chosen) * 1000:.1f} ms per article of {total / len(chosen) * 1000:.0f} ms "
        f"per added article; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
