"""What the model is shown of a chunk: the best sentence and its neighbours, within one section."""

from rag.answering import focus, section_starts
from rag.chunking import split_sentences
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
    titles = [TEXT[s:e] for (s, e), t in zip(spans, section_starts(TEXT, spans)) if t]
    assert titles == ["La Chine et le retrait des États-Unis de l'Accord de Paris", "Une nouvelle ère : tensions et alliances"]


def test_runs_of_short_lines_are_a_list_not_titles():
    text = "Résultats\nLyon 2\nParis 1\nMarseille 0\nLe match a eu lieu dimanche."
    assert section_starts(text, split_sentences(text)) == [False] * 5


def test_a_title_that_scores_best_brings_the_section_it_announces():
    # sentences: 0 transports, 1 title, 2 climat, 3 critiqué, 4 préoccupation, 5 second title, 6 tensions
    passage = focus(chunk(), [0.5, 0.9, 0.6, 0.4, 0.45, 0.3, 0.2], words, 25)
    assert passage.text == ("La Chine et le retrait des États-Unis de l'Accord de Paris\n\n"
                            "Les dirigeants ont abordé le climat. Ce retrait a été critiqué par la Chine.")
    assert TEXT[passage.start - 100 : passage.end - 100] == passage.text


def test_the_passage_may_start_at_its_title_but_never_runs_into_the_next_section():
    passage = focus(chunk(), [0.1, 0.2, 0.3, 0.4, 0.9, 0.2, 0.8], words, 40)
    assert passage.text.startswith("La Chine et le retrait")
    assert passage.text.endswith("Pékin a exprimé sa préoccupation.")


def test_without_titles_the_window_grows_on_both_sides_within_the_budget():
    text = "Un deux trois. Quatre cinq six. Sept huit neuf. Dix onze douze."
    passage = focus(chunk(text, 0), [0.1, 0.2, 0.9, 0.3], words, 6)
    assert passage.text == "Sept huit neuf. Dix onze douze."
    assert (passage.start, passage.end) == (32, 63)
    assert focus(chunk(text, 0), [0.1, 0.9, 0.2, 0.3], words, 9).text == "Un deux trois. Quatre cinq six. Sept huit neuf."


def test_a_chunk_within_the_budget_is_shown_whole():
    assert focus(chunk(), [0.0] * 7, words, 500).text == TEXT
