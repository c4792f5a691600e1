import pytest

from rag.text.numbers import numbers, spelled, stated_numbers


@pytest.mark.parametrize(
    "word, value",
    [
        ("dix", 10),
        ("Deux", 2),
        ("dix-sept", 17),
        ("vingt-et-un", 21),
        ("soixante-dix", 70),
        ("quatre-vingts", 80),
        ("quatre-vingt-dix", 90),
        ("deux-cents", 200),
        ("deux-mille-vingt", 2020),
        ("mille-neuf-cent-quatre-vingt-dix", 1990),
        ("cent-mille", 100000),
        ("twenty-one", 21),
        ("un", None),  # an article far more often than an amount
        ("et", None),
        ("porte-avions", None),
    ],
)
def test_a_number_spelled_in_one_word_or_compound_has_its_value(word, value):
    assert spelled(word) == value


def test_a_text_states_its_numbers_in_digits_and_in_words():
    text = "En 1935, il fait percer des avenues de dix voies ; 145 000 habitants, un quartier."
    assert numbers(text) == {"1935", "145000"}
    assert stated_numbers(text) == {"1935", "145000", "10"}
