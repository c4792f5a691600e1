"""What the model is shown of a chunk: the best sentence and its neighbours, within one section."""

from dataclasses import replace

import numpy as np
import pytest

from rag.answer.drafting import Draft
from rag.answer.finishing import finish
from rag.answer.passages import Passage, focus, section_starts
from rag.answer.shape import copies_example
from rag.text.sentences import split_sentences
from rag.types import Chunk

TEXT = (
    "Les deux pays ont discuté des transports.\n\n"
    "La Chine et le retrait des États-Unis de l'Accord de Paris\n\n"
    "Les dirigeants ont abordé le climat. Ce retrait a été critiqué par la Chine. Pékin a exprimé sa préoccupation.\n\n"
    "Une nouvelle ère : tensions et alliances\n\n"
    "Les tensions mondiales s'intensifient."
)


def words(text: str) -> int:
    return len(text.split())


def chunk(text: str = TEXT, start: int = 100) -> Chunk:
    return Chunk(id="a:0", article_id="a", n=0, text=text, start=start, end=start + len(text))


def test_section_titles_are_short_lines_of_their_own_before_a_sentence():
    spans = split_sentences(TEXT)
    titles = [TEXT[s:e] for (s, e), t in zip(spans, section_starts(TEXT, spans), strict=True) if t]
    assert titles == [
        "La Chine et le retrait des États-Unis de l'Accord de Paris",
        "Une nouvelle ère : tensions et alliances",
    ]


def test_runs_of_short_lines_are_a_list_not_titles():
    text = "Résultats\nLyon 2\nParis 1\nMarseille 0\nLe match a eu lieu dimanche."
    assert section_starts(text, split_sentences(text)) == [False] * 5


def test_a_title_that_scores_best_brings_the_section_it_announces():
    # sentences: 0 transports, 1 title, 2 climat, 3 critiqué, 4 préoccupation, 5 second title, 6 tensions
    passage = focus(chunk(), [0.5, 0.9, 0.6, 0.4, 0.45, 0.3, 0.2], words, 14)
    assert passage.text == (
        "La Chine et le retrait des États-Unis de l'Accord de Paris\n\n"
        "Les dirigeants ont abordé le climat. Ce retrait a été critiqué par la Chine."
    )
    assert TEXT[passage.start - 100 : passage.end - 100] == passage.text


def test_the_title_a_passage_starts_at_is_not_counted_so_it_never_takes_a_sentences_place():
    # the three sentences under the title fill the budget (6 + 8 + 5 words); the 11 words of the title come beside
    best_is_climat = [0.1, 0.2, 0.9, 0.5, 0.4, 0.1, 0.1]
    for scores in (best_is_climat, [0.5, 0.9, 0.6, 0.4, 0.45, 0.3, 0.2]):
        assert focus(chunk(), scores, words, 19).text == (
            "La Chine et le retrait des États-Unis de l'Accord de Paris\n\n"
            "Les dirigeants ont abordé le climat. Ce retrait a été critiqué par la Chine. "
            "Pékin a exprimé sa préoccupation."
        )


def test_the_passage_may_start_at_its_title_but_never_runs_into_the_next_section():
    passage = focus(chunk(), [0.1, 0.2, 0.3, 0.4, 0.9, 0.2, 0.8], words, 40)
    assert passage.text.startswith("La Chine et le retrait")
    assert passage.text.endswith("Pékin a exprimé sa préoccupation.")


def test_without_titles_the_window_grows_on_both_sides_within_the_budget():
    text = "Un deux trois. Quatre cinq six. Sept huit neuf. Dix onze douze."
    passage = focus(chunk(text, 0), [0.1, 0.2, 0.9, 0.3], words, 6)
    assert passage.text == "Sept huit neuf. Dix onze douze."
    assert (passage.start, passage.end) == (32, 63)
    assert (
        focus(chunk(text, 0), [0.1, 0.9, 0.2, 0.3], words, 9).text == "Un deux trois. Quatre cinq six. Sept huit neuf."
    )


def test_a_chunk_within_the_budget_is_shown_whole():
    assert focus(chunk(), [0.0] * 7, words, 500).text == TEXT


def test_the_passages_after_the_first_are_shown_shorter():
    """The first passage answers most questions: the others get ``later_tokens``, so the model reads less before it
    writes."""
    from rag.answer.passages import focus_passages
    from rag.types import Hit

    from conftest import HashingEmbedder

    embedder = HashingEmbedder()
    text = "Un deux trois. Quatre cinq six. Sept huit neuf. Dix onze douze."
    hits = [Hit(chunk(text, 0), 1.0), Hit(Chunk(id="b:0", article_id="b", n=0, text=text, start=0, end=len(text)), 1.0)]
    first, second = focus_passages(hits, "sept huit", embedder, words, 9, 6)
    assert (words(first.text), words(second.text)) == (9, 6)
    assert [words(p.text) for p in focus_passages(hits, "sept huit", embedder, words, 9)] == [9, 9]


def test_a_question_asking_for_a_measure_is_shown_the_sentence_giving_one():
    """« À quelle altitude culmine le mont Maudit, où une avalanche a fait neuf morts ? » is closer in meaning to the
    sentence on the avalanche; the passage is centred on the one giving an altitude, when the chunk holds one."""
    from rag.answer.passages import focus_passages
    from rag.types import Hit

    from conftest import HashingEmbedder

    text = (
        "Une avalanche au mont Maudit a fait neuf morts. Les secours sont arrivés vite. "
        "Quatre personnes sont recherchées. Le sommet culmine à 4 465 mètres."
    )
    hits, embedder = [Hit(chunk(text, 0), 1.0)], HashingEmbedder()
    asked = "À quelle altitude culmine le mont Maudit, où une avalanche a fait neuf morts ?"
    (shown,) = focus_passages(hits, asked, embedder, words, 9)
    assert "4 465 mètres" in shown.text
    (shown,) = focus_passages(hits, "Où une avalanche a-t-elle fait neuf morts ?", embedder, words, 9)
    assert "avalanche" in shown.text  # no kind asked: the closest sentence
    # A time is given by any sentence saying « alors » or « puis »: not a reason to look away from the closest one.
    timed = [Hit(chunk(text.replace("sont arrivés vite", "sont alors arrivés"), 0), 1.0)]
    (shown,) = focus_passages(
        timed, "Quand une avalanche a-t-elle fait neuf morts au mont Maudit ?", embedder, words, 9
    )
    assert "avalanche" in shown.text


class TableEmbedder:
    """Each text's vector from a table of cosines to the question (unit vectors in two dimensions)."""

    def __init__(self, cosines):
        self.cosines = cosines

    def embed_queries(self, texts):
        return np.array([[1.0, 0.0]] * len(texts))

    def embed_documents(self, texts):
        return np.array([[c, (1 - c * c) ** 0.5] for c in (self.cosines[t] for t in texts)])


def test_the_sentence_holding_the_questions_words_is_shown_before_a_closer_meaning():
    """The list of the executed reads closer to « massacre » than the sentence saying how many escaped; the passage
    is the one holding the question's rarer words (« prisonniers », « échappé »). Without the question's language,
    or in a chunk in another language, the words are not read, and the meaning alone decides."""
    from rag.answer.passages import focus_passages
    from rag.types import Hit

    executed = "La foule exécute quarante-quatre détenus dont un ancien ministre."
    heads = "Les têtes des détenus sont promenées dans la ville."
    escaped = "Seuls huit des prisonniers parviennent à s'échapper."
    text = f"{executed} {heads} {escaped}"
    embedder = TableEmbedder({executed: 0.9, heads: 0.85, escaped: 0.8})
    hits, asked = [Hit(chunk(text, 0), 1.0)], "Combien de prisonniers ont échappé au massacre ?"
    (shown,) = focus_passages(hits, asked, embedder, words, 9, lang="fr")
    assert shown.text == escaped
    (shown,) = focus_passages(hits, asked, embedder, words, 9)
    assert shown.text == executed
    # In another language than the question's, only names would match: the meaning decides.
    english = [Hit(replace(hits[0].chunk, lang="en"), 1.0)]
    (shown,) = focus_passages(english, asked, embedder, words, 9, lang="fr")
    assert shown.text == executed


class TableScorer:
    """Support by the sentence's first word, as a fixed table (passage 1 only)."""

    def __init__(self, table):
        self.table = table

    def __call__(self, sentence, n):
        return self.table.get(sentence.split()[0], 0.0) if n == 1 else 0.0

    def highlight(self, sentence, n):
        return None

    def nearest(self, sentence, candidates):
        return 0


def drafted(raw: str, lang: str, passages, scorer) -> Draft:
    draft = Draft(lang, passages, scorer)
    draft.feed(raw)
    draft.close()
    return draft


def passage() -> Passage:
    c = chunk()
    return Passage(c, c.text, c.start, c.end)


@pytest.mark.parametrize(
    "sentence, copied",
    [
        ("According to an article published on May 3, 2021, the unions have protested [1].", True),
        ("Selon un article du 3 mai 2021, les syndicats ont protesté.", True),
        ("Les syndicats ont protesté contre la réforme [2].", False),
        ("Selon un article du 3 mai 2021, la Chine a critiqué le retrait [1].", False),
        ("Les syndicats ont protesté [2].", False),  # too short to tell
    ],
)
def test_copies_of_the_instructions_example_are_recognised_in_both_languages(sentence, copied):
    assert copies_example(sentence) is copied


def test_an_unsupported_copy_of_the_example_is_dropped_from_the_answer():
    raw = "La Chine a critiqué ce retrait [1]. Selon un article du 3 mai 2021, les syndicats ont protesté [1]."
    done = finish(drafted(raw, "fr", [passage()], TableScorer({"La": 0.9})))
    assert done.text == "La Chine a critiqué ce retrait [1]."
    assert [s.text for s in done.sentences] == ["La Chine a critiqué ce retrait."]
    assert not done.refused


def test_a_copy_of_the_example_that_a_passage_supports_stays():
    raw = "Selon un article du 3 mai 2021, les syndicats ont protesté [1]."
    done = finish(drafted(raw, "fr", [passage()], TableScorer({"Selon": 0.9})))
    assert done.text == raw and not done.refused


def test_an_answer_that_is_only_the_example_is_a_refusal():
    raw = "According to an article of 3 May 2021, unions protested [1]."
    done = finish(drafted(raw, "en", [passage()], TableScorer({})))
    assert done.refused and done.citations == ()
