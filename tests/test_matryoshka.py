"""The Matryoshka benchmark's shorter vectors: the first dimensions, renormalised."""

import sys

import numpy as np

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from matryoshka import truncated  # noqa: E402


def test_cut_vectors_are_unit_length_and_keep_only_their_first_dimensions():
    cut = truncated(np.array([[3.0, 4.0, 12.0]]), 2)
    assert cut.shape == (1, 2)
    assert np.allclose(cut, [[0.6, 0.8]])
