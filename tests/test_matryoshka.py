"""The Matryoshka benchmark's ranking and scoring: articles by their best chunk, vectors cut and renormalised."""

import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from matryoshka import paired_interval, ranked_articles, scores_at, truncated  # noqa: E402


def test_articles_are_ranked_once_each_by_their_best_chunk():
    scores = np.array([0.2, 0.9, 0.8, 0.1])
    assert ranked_articles(scores, ["a", "b", "a", "c"]) == ["b", "a", "c"]
    assert ranked_articles(scores, ["a", "b", "a", "c"], depth=2) == ["b", "a"]


def test_a_question_scores_by_the_rank_of_its_first_gold_article():
    assert scores_at(["x", "g"], {"g"}) == (1.0, 0.5)
    assert scores_at([f"x{i}" for i in range(5)] + ["g"], {"g"}) == (0.0, 1 / 6)
    assert scores_at(["x"], {"g"}) == (0.0, 0.0)


def test_cut_vectors_are_unit_length_and_keep_only_their_first_dimensions():
    v = np.array([[3.0, 4.0, 12.0]])
    cut = truncated(v, 2)
    assert cut.shape == (1, 2)
    assert np.allclose(cut, [[0.6, 0.8]])


def test_the_interval_holds_a_constant_difference_and_straddles_zero_for_a_balanced_one():
    assert paired_interval(np.full(50, 0.1)) == pytest.approx((0.1, 0.1))
    low, high = paired_interval(np.array([1.0, -1.0] * 50))
    assert low < 0 < high
