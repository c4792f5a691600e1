"""Metrics against hand-computed values, and retrieval metrics against ir-measures (trec_eval)."""

import math

import pytest

from rag.evals import metrics


def test_article_ranking_keeps_best_rank():
    assert metrics.article_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_retrieval_metrics_by_hand():
    ranked = ["x", "g1", "y", "g2", "z"]
    gold = {"g1", "g2", "g3"}
    assert metrics.hit_at(ranked, gold, 1) == 0.0 and metrics.hit_at(ranked, gold, 2) == 1.0
    assert metrics.recall_at(ranked, gold, 5) == pytest.approx(2 / 3)
    assert metrics.mrr_at(ranked, gold, 10) == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert metrics.ndcg_at(ranked, gold, 10) == pytest.approx(dcg / idcg)


def test_empty_retrieval_and_no_gold():
    assert metrics.retrieval_scores([], {"a"})["mrr@10"] == 0.0
    assert metrics.retrieval_scores([], {"a"})["ndcg@10"] == 0.0
    assert metrics.recall_at(["a"], set(), 5) == 0.0 and metrics.ndcg_at(["a"], set(), 10) == 0.0


def test_gold_beyond_cutoff_scores_zero():
    ranked = [f"d{i}" for i in range(20)]
    assert metrics.mrr_at(ranked, {"d10"}, 10) == 0.0 and metrics.mrr_at(ranked, {"d9"}, 10) == 0.1


@pytest.mark.parametrize(
    "ranked, gold",
    [
        (["a", "b", "c", "d"], {"c"}),
        (["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"], {"b", "k", "z"}),
        (["q", "r"], {"q", "r"}),
        (["a", "b", "c"], {"x"}),
    ],
)
def test_agrees_with_ir_measures(ranked, gold):
    import ir_measures
    from ir_measures import RR, Recall, Success, nDCG

    qrels = [ir_measures.Qrel("q", d, 1) for d in gold]
    # Distinct, decreasing scores encode the ranking.
    run = [ir_measures.ScoredDoc("q", d, float(len(ranked) - i)) for i, d in enumerate(ranked)]
    expected = ir_measures.calc_aggregate([RR @ 10, nDCG @ 10, Success @ 5, Recall @ 5], qrels, run)
    assert metrics.mrr_at(ranked, gold, 10) == pytest.approx(expected[RR @ 10])
    assert metrics.ndcg_at(ranked, gold, 10) == pytest.approx(expected[nDCG @ 10])
    assert metrics.hit_at(ranked, gold, 5) == pytest.approx(expected[Success @ 5])
    assert metrics.recall_at(ranked, gold, 5) == pytest.approx(expected[Recall @ 5])


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("L'Élysée a confirmé", "fr", "elysee a confirme"),
        ("Les « Bleus » ont gagné !", "fr", "bleus ont gagne"),
        ("The Panthers' defense", "en", "panthers defense"),
        ("  100 000  ", "fr", "100 000"),
        ("d'un côté, de l'autre", "fr", "cote autre"),
    ],
)
def test_normalization(text, lang, expected):
    assert metrics.normalize_answer(text, lang) == expected


def test_exact_match_f1_contains():
    assert metrics.exact_match("l'Élysée", ["Elysée"], "fr") == 1.0
    assert metrics.exact_match("le palais de l'Élysée", ["Elysée"], "fr") == 0.0
    assert metrics.token_f1("le palais de l'Élysée", ["Elysée"], "fr") == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert metrics.token_f1("rien", ["Elysée"], "fr") == 0.0
    assert metrics.answer_contains("Environ 100 000 personnes y travaillent [1].", ["100 000"], "fr") == 1.0
    assert metrics.answer_contains("Environ 1000 personnes.", ["100"], "fr") == 0.0
    assert metrics.exact_match("x", [], "en") == 0.0


def test_bootstrap_intervals():
    lo, hi = metrics.bootstrap_ci([1.0] * 10)
    assert lo == hi == 1.0
    lo, hi = metrics.bootstrap_ci([0.0, 1.0] * 50)
    assert lo < 0.5 < hi and hi - lo < 0.25
    assert metrics.bootstrap_ci([]) is None
    delta, lo, hi = metrics.paired_bootstrap([0, 0, 1, 1] * 10, [1, 1, 1, 1] * 10)
    assert delta == 0.5 and 0.3 < lo <= delta <= hi < 0.7


def test_percentiles():
    assert metrics.percentile([1, 2, 3, 4, 5], 50) == 3.0
    assert metrics.percentile([], 50) is None
