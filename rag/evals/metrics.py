"""Evaluation metrics: retrieval over articles, answer quality, costs, and their uncertainty.

Pure functions. Retrieval is scored over articles: a run's chunk ranking is
turned into an article ranking (each article at the rank of its best chunk).
Relevance is binary (an article is gold or not).
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np


def article_ranking(article_ids: Sequence[str]) -> list[str]:
    """Chunk-level article ids, best first -> distinct articles at their best rank."""
    return list(dict.fromkeys(article_ids))


def hit_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return float(any(a in gold for a in ranked[:k])) if gold else 0.0


def recall_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return len(gold.intersection(ranked[:k])) / len(gold) if gold else 0.0


def mrr_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    for rank, a in enumerate(ranked[:k], 1):
        if a in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, a in enumerate(ranked[:k], 1) if a in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def retrieval_scores(ranked: Sequence[str], gold: set[str]) -> dict[str, float]:
    """Every retrieval metric of one question."""
    out = {f"hit@{k}": hit_at(ranked, gold, k) for k in (1, 3, 5, 10)}
    out.update({f"recall@{k}": recall_at(ranked, gold, k) for k in range(1, 11)})
    out["mrr@10"] = mrr_at(ranked, gold, 10)
    out["ndcg@10"] = ndcg_at(ranked, gold, 10)
    return out


_ARTICLES = {
    "en": r"\b(a|an|the)\b",
    "fr": r"\b(le|la|les|l|un|une|des|du|de|d|au|aux)\b",
}


def normalize_answer(text: str, lang: str = "en") -> str:
    """Lower case, no accents, no punctuation, no articles (French or English), single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`]", " ", text)
    text = "".join(" " if c in string.punctuation or c in "«»“”–—…" else c for c in text)
    pattern = _ARTICLES.get(lang, _ARTICLES["en"])
    text = re.sub(pattern, " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, answers: Sequence[str], lang: str) -> float:
    pred = normalize_answer(prediction, lang)
    return float(any(pred == normalize_answer(a, lang) for a in answers)) if answers else 0.0


def token_f1(prediction: str, answers: Sequence[str], lang: str) -> float:
    """Best SQuAD-style token F1 against the acceptable answers."""
    pred = normalize_answer(prediction, lang).split()
    best = 0.0
    for answer in answers:
        gold = normalize_answer(answer, lang).split()
        common = Counter(pred) & Counter(gold)
        same = sum(common.values())
        if same == 0:
            continue
        precision, recall = same / len(pred), same / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def answer_contains(prediction: str, answers: Sequence[str], lang: str) -> float:
    pred = f" {normalize_answer(prediction, lang)} "
    return (
        float(any(f" {normalize_answer(a, lang)} " in pred for a in answers if normalize_answer(a, lang)))
        if answers
        else 0.0
    )


def percentile(values: Sequence[float | None], q: float) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.percentile(known, q)) if known else None


def mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def bootstrap_ci(
    values: Sequence[float | None], n: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean."""
    data = np.array([v for v in values if v is not None], dtype=float)
    if len(data) == 0:
        return None
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(n, len(data)))].mean(axis=1)
    lo, hi = np.percentile(means, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return float(lo), float(hi)


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], n: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``b - a`` over paired questions, with its 95% bootstrap interval."""
    diff = np.array(b, dtype=float) - np.array(a, dtype=float)
    if len(diff) == 0:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n, len(diff)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), float(lo), float(hi)


RETRIEVAL_KEYS = ["hit@1", "hit@3", "hit@5", "hit@10", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
ANSWER_KEYS = [
    "exact_match",
    "f1",
    "answer_contains",
    "language_match",
    "citation_validity",
    "raw_citation_validity",
    "citation_precision",
    "refusal_accuracy",
    "false_refusal_rate",
    "supported_sentences",
]
GATE_KEYS = ["gate_refusal_accuracy", "gate_false_refusal_rate"]
SUPPORT_KEYS = ["support_precision", "support_recall", "unsupported_caught", "support_accuracy"]
# The metrics shown first (the page's table, the command's summary line), in this order.
HEADLINE_KEYS = [
    "hit@1",
    "hit@5",
    "recall@5",
    "mrr@10",
    "ndcg@10",
    *ANSWER_KEYS,
    *GATE_KEYS,
    *SUPPORT_KEYS,
    "latency_retrieval_ms_p50",
    "ttft_s_p50",
    "total_s_p50",
]


def passed(row: dict[str, Any], mode: str) -> bool | None:
    """Whether one question's result counts as right: gold article in the top 5 (retrieval); answer right, or a
    right refusal (answer mode). None when the row has nothing to judge."""
    scores = row.get("scores") or {}
    if mode == "retrieval":
        value = scores.get("hit@5")
    elif mode == "support":
        value = scores.get("support_accuracy")
    else:
        value = scores.get("refusal_accuracy", scores.get("answer_contains", 1.0 - scores.get("false_refusal", 0.0)))
    return None if value is None else bool(value)
