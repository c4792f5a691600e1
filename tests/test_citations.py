import pytest

from rag.answer.citations import (
    attribute,
    keep_valid_markers,
    marker_numbers,
    render_answer,
    sentences_with_markers,
    strip_markers,
)


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("A [1]. B [2, 3]. C [1][4].", [1, 2, 3, 1, 4]),
        ("Rien.", []),
        ("X [ 2 ; 5 ]", [2, 5]),
        ("[10] et [1 et 2]", [10, 1, 2]),
    ],
)
def test_marker_numbers(text, numbers):
    assert marker_numbers(text) == numbers


def test_invalid_numbers_never_survive():
    assert keep_valid_markers("A [1]. B [2, 7]. C [9].", [1, 2, 3]) == "A [1]. B [2]. C."
    assert keep_valid_markers("Seul [0] .", [1]) == "Seul."


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    sents = sentences_with_markers("La Chine achète du gaz. [2] Elle vend des puces. [1][3]\n[4]")
    assert [(s.cited) for s in sents] == [(2,), (1, 3, 4)]
    assert strip_markers(sents[0].text) == "La Chine achète du gaz."
    assert (
        strip_markers("La partition des Indes a eu lieu en 1947, [1].") == "La partition des Indes a eu lieu en 1947."
    )


def support_table(table):
    return lambda sentence, n: table.get((sentence.split()[0], n), 0.0)


def test_attribution_keeps_supported_fixes_wrong_and_flags_unsupported():
    sents = sentences_with_markers("Alpha vrai [1]. Beta mal cité [1]. Gamma sans marque. Delta inventé [2].")
    table = {("Alpha", 1): 0.9, ("Beta", 2): 0.8, ("Beta", 1): 0.1, ("Gamma", 3): 0.7, ("Delta", 2): 0.2}
    out = attribute(sents, 3, support_table(table))
    assert [(a.citations, a.supported) for a in out] == [((1,), True), ((2,), True), ((3,), True), ((), False)]
    assert out[1].support == {2: 0.8}
    assert render_answer(out) == "Alpha vrai [1]. Beta mal cité [2]. Gamma sans marque [3]. Delta inventé."


def test_attribution_ignores_numbers_beyond_the_passages():
    out = attribute(sentences_with_markers("Phrase [5]."), 2, lambda s, n: 0.0)
    assert out[0].citations == () and not out[0].supported
