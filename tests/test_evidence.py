"""Refusing right: names the archive never mentions, follow-ups that swap a name, dates that do not hide undated
articles."""

import re
from dataclasses import replace

from rag.answer.evidence import covers, restatable_from, weigh
from rag.ingest.articles import make_article
from rag.pipeline import build
from rag.text.names import mentions, names, substitute
from rag.types import Chunk, Filters, Hit, Message

from conftest import SEED, ScriptedLLM


def test_names_are_the_capitalised_runs_after_the_first_word_with_their_article():
    q = "Pourquoi la Chine est-elle importante pour la Russie ?"
    assert [(q[s.start : s.end], s.name) for s in names(q)] == [("la Chine", "Chine"), ("la Russie", "Russie")]
    q = "What did Beijing say about the Paris Agreement?"
    assert [s.name for s in names(q)] == ["Beijing", "Paris Agreement"]
    assert [s.name for s in names("Quel est le rôle de l'Accord de Paris ?")] == ["Accord de Paris"]
    # a name right after the first word is read without it (the run « Où Oliver Sacks » was dropped whole)
    assert [s.name for s in names("Où Oliver Sacks a-t-il été professeur ?")] == ["Oliver Sacks"]
    assert [s.name for s in names("Which Super Bowl did Elway win?")] == ["Super Bowl", "Elway"]


def test_a_follow_up_name_replaces_the_most_similar_name_of_the_previous_question():
    first = {"Chine": 1.0, "Russie": 0.5, "China": 1.0, "Russia": 0.5}
    assert (
        substitute("Et l'Inde ?", "Pourquoi la Chine est-elle importante pour la Russie ?", lambda a, b: first[a])
        == "Pourquoi l'Inde est-elle importante pour la Russie ?"
    )
    assert (
        substitute("And India?", "Why is China important for Russia?", lambda a, b: first[a])
        == "Why is India important for Russia?"
    )
    treaty = {"Beijing": 0.2, "Paris Agreement": 0.8}
    assert (
        substitute(
            "What about the Kyoto Protocol?", "What did Beijing say about the Paris Agreement?", lambda a, b: treaty[a]
        )
        == "What did Beijing say about the Kyoto Protocol?"
    )
    assert substitute("Et dans l'industrie ?", "Pourquoi la Chine ?", lambda a, b: 1.0) is None  # no name: not a swap


def test_names_match_across_french_and_english_spellings():
    words = re.findall(r"\w+", "La Chine et la Russie ont signé l'accord de Paris à Pékin.")
    assert mentions("Russia", words) and mentions("China", words) and mentions("Accord de Paris", words)
    assert mentions("Pékin", words) and mentions("pekin", words)
    assert not mentions("Inde", words) and not mentions("India", words) and not mentions("Brésil", words)


def hit(text: str, relevance: float) -> Hit:
    chunk = Chunk(id="a:0", article_id="a", n=0, text=text, start=0, end=len(text), title="Titre")
    return Hit(chunk=chunk, fused=1.0, relevance=relevance)


def test_evidence_needs_a_relevant_passage_naming_every_name_of_the_question():
    hits = [hit("La Chine achète du gaz à la Russie.", 9.0), hit("L'Inde et le Pakistan.", 1.0)]
    assert weigh("Pourquoi la Chine est-elle importante pour la Russie ?", hits, 3.0).enough
    refused = weigh("Pourquoi l'Inde est-elle importante pour la Russie ?", hits, 3.0)
    assert not refused.enough and refused.missing == ("Inde",)  # only an irrelevant passage names India
    assert weigh("Pourquoi l'Inde est-elle importante pour la Russie ?", hits, 3.0, require_names=False).enough
    assert not weigh("Pourquoi la Chine ?", hits, 10.0).enough


def test_a_year_left_in_the_question_must_be_in_a_relevant_passage_or_its_date():
    election = Hit(
        chunk=Chunk(
            id="b:0", article_id="b", n=0, text="Obama et Romney s'affrontent.", start=0, end=29,
            title="Élection présidentielle américaine", date="2012-10-04",
        ),
        fused=1.0,
        relevance=9.0,
    )  # fmt: skip
    assert weigh("Qui a remporté l'élection présidentielle américaine de 2012 ?", [election], 3.0).enough
    refused = weigh("Qui a remporté l'élection présidentielle américaine de 2024 ?", [election], 3.0)
    assert not refused.enough and refused.missing == ("2024",)
    assert weigh("Que s'est-il passé en 2024 ?", [hit("En 2024, la Russie…", 9.0)], 3.0).enough


def test_a_relevant_passage_must_hold_enough_of_the_questions_words_in_its_language():
    engines = replace(
        hit("Steam engines were improved by Watt. A steam engine's power is measured in horsepower.", 9.0)
    )
    engines = replace(engines, chunk=replace(engines.chunk, title="Steam engine", lang="en"))
    asked = "What year saw the earliest recorded use of the steam engine indicator?"
    # near the topic (steam engines), silent on what is asked
    refused = weigh(asked, [engines], 3.0, lang="en", min_coverage=0.4)
    assert not refused.enough and refused.unsaid[0] == "indicator"  # the longest first, at most three
    assert set(refused.unsaid) == {"indicator", "earliest", "recorded"}
    text = "The steam engine indicator was first recorded in use in 1796, its earliest known year."
    answering = replace(engines, chunk=replace(engines.chunk, text=text))
    assert weigh(asked, [engines, answering], 3.0, lang="en", min_coverage=0.4).enough
    assert weigh(asked, [engines], 3.0, lang="en", min_coverage=0.0).enough  # off
    # the words of a passage in another language differ: it is not read this way
    french = replace(engines, chunk=replace(engines.chunk, lang="fr"))
    assert weigh(asked, [french], 3.0, lang="en", min_coverage=0.4).enough


def test_the_passage_ranked_first_is_relevant_by_its_words_when_it_holds_most_of_them_and_every_name():
    asked = "Pourquoi les roseaux sont-ils glissés sous les peaux ?"  # roseau, gliss, sous, peau
    text = "On glisse des roseaux sous les peaux pour les tendre."
    says = Hit(Chunk(id="b:0", article_id="b", n=0, text=text, start=0, end=len(text), lang="fr"), 1.0, relevance=1.6)
    drums = hit("Le mridang est un tambour à deux peaux.", 4.0)
    assert not weigh(asked, [says, drums], 3.0, lang="fr", min_coverage=0.33).enough  # 1 of 4 words above 3
    admitted = weigh(asked, [says, drums], 3.0, lang="fr", min_coverage=0.33, first_words=0.75)
    assert admitted.enough and admitted.relevant[0] is says
    # only the passage ranked first, above chance, in the question's language, with three words or more
    assert not weigh(asked, [drums, says], 3.0, lang="fr", min_coverage=0.33, first_words=0.75).enough
    below = replace(says, relevance=-0.5)
    assert not weigh(asked, [below, drums], 3.0, lang="fr", min_coverage=0.33, first_words=0.75).enough
    english = replace(says, chunk=replace(says.chunk, lang="en"))
    assert not weigh(asked, [english], 3.0, lang="fr", min_coverage=0.33, first_words=0.75).relevant
    short = "Sur quels terrains ?"  # one word held whole proves little
    fields = hit("Les terrains de la commune.", 0.3)
    assert not weigh(short, [fields], 3.0, lang="fr", first_words=0.75).enough
    # every name of the question, in that passage
    named = "Comment s'appelle le baromètre pour Le Point et La Croix ?"
    poll = hit("Le baromètre réalisé pour Le Point s'appelle l'Observatoire.", 2.5)
    assert not weigh(named, [poll], 3.0, lang="fr", first_words=0.75).relevant
    both = replace(poll, chunk=replace(poll.chunk, text=poll.chunk.text + " La Croix le publie aussi."))
    assert weigh(named, [both], 3.0, lang="fr", first_words=0.75).enough
    assert not weigh(asked, [says, drums], 3.0, lang="fr", min_coverage=0.33, first_words=0.0).enough  # off


def test_a_passage_covers_a_question_when_it_holds_a_share_of_its_words_in_its_language():
    asked = "Quel chercheur a nommé l'oxygène en premier ?"  # chercheur, nomm, oxygen, premi
    assert covers(asked, "fr", "Oxygène", "Lavoisier, chercheur, a nommé l'oxygène.", "fr", 0.33)
    assert not covers(asked, "fr", "Oxygène", "James Dewar liquéfia l'oxygène en 1891.", "fr", 0.33)  # 1 of 4
    assert covers(asked, "fr", "Chimie", "Dewar liquéfia l'oxygène, qu'il nomma.", "fr", 0.33)  # the title counts too
    assert covers(asked, "fr", "", "James Dewar liquefied oxygen in 1891.", "en", 0.33)  # other words: not read
    assert covers(asked, "fr", "", "James Dewar liquéfia l'oxygène en 1891.", "fr", 0.0)  # off


class Citing:
    """Writes, with its passage's marker, the first sentence of the passage whose title is ``title``."""

    name, context_window = "fake:citing", 4096

    def __init__(self, title: str):
        self.title = title

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, max_tokens):
        m = re.search(rf"\[(\d+)\]\n<<<\n{self.title} \([^\n]*\)\n([^.]+\.)", messages[-1].content)
        yield f"{m.group(2)} [{m.group(1)}]" if m else "Rien."


def test_an_answer_rests_on_a_passage_that_holds_a_share_of_the_questions_words(fake_settings):
    """« Quel chercheur a nommé l'oxygène en premier ? » finds a passage about oxygen that does not hold the question's
    words beside the one that answers: a true sentence from it is no answer, and it is not shown to the model."""
    from rag.config import with_overrides
    from rag.ingest.articles import make_article

    asked = "Quel chercheur a nommé l'oxygène en premier ?"
    named = make_article(title="Lavoisier", text="Lavoisier, chercheur français, a nommé l'oxygène en 1777.", lang="fr")
    other = make_article(title="Dewar", text="James Dewar liquéfia l'oxygène en 1891 à Londres.", lang="fr")
    for settings, shown in [
        (fake_settings, {"Lavoisier"}),
        (with_overrides(fake_settings, {"retrieval.min_coverage": 0}), {"Lavoisier", "Dewar"}),
    ]:
        p = build(settings, llm=Citing("Dewar"))
        p.add_articles([named, other])
        answer = p.ask(asked)
        assert {c.title for c in answer.passages} == shown
        assert ("Dewar" in answer.answer) is ("Dewar" in shown), answer.answer
    answered = build(fake_settings, llm=Citing("Lavoisier"))
    answered.add_articles([named, other])
    kept = answered.ask(asked)
    assert not kept.refused and kept.answer.startswith("Lavoisier, chercheur français, a nommé l'oxygène en 1777")


class Doubting:
    """Writes ``paraphrase`` citing the passage titled ``title``; as a second opinion, says no when asked whether an
    extract states a sentence and yes when asked whether a text answers the question."""

    name, context_window = "fake:doubting", 4096

    def __init__(self, title: str, paraphrase: str):
        self.title, self.paraphrase = title, paraphrase

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, max_tokens):
        asked = messages[-1].content
        if "est-il vrai" in asked or "Does this text answer" in asked:
            yield "non" if "est-il vrai" in asked else "yes"
            return
        m = re.search(rf"\[(\d+)\]\n<<<\n{self.title} \(", asked)
        yield f"{self.paraphrase} [{m.group(1) if m else 9}]."


def test_a_rejected_paraphrase_gives_way_to_its_passage_sentence_when_the_passage_holds_the_questions_words(
    fake_settings,
):
    """The second opinion says no to true paraphrases: the sentence they paraphrase, from a passage holding a share of
    the question's words and its names, is shown in their place however far above chance retrieval ranked it (a quote
    in place of the whole answer is out of reach here: ``quote_relevance`` is out of bounds, ``quote_words`` off)."""
    from rag.config import with_overrides
    from rag.ingest.articles import make_article

    asked = "Quel chercheur a nommé l'oxygène à Paris ?"  # chercheur, nomm, oxygen, paris
    named = make_article(
        title="Lavoisier", text="À Paris, Lavoisier, chercheur français, a nommé l'oxygène.", lang="fr"
    )
    # two of the question's words, not its name
    other = make_article(
        title="Rutherford", text="À Londres, Rutherford, chercheur écossais, a nommé l'azote.", lang="fr"
    )
    settings = with_overrides(
        fake_settings, {"answer.verify": True, "answer.quote_relevance": 1e9, "answer.quote_words": 0.0}
    )
    p = build(settings, llm=Doubting("Lavoisier", "Lavoisier, chercheur français, a donné son nom à l'oxygène"))
    p.add_articles([named, other])
    answer = p.ask(asked)
    assert not answer.refused, answer.answer
    assert "« À Paris, Lavoisier, chercheur français, a nommé l'oxygène. »" in answer.answer  # its own words
    assert [c.title for c in answer.citations] == ["Lavoisier"]
    assert "donné son nom" not in answer.answer  # the model's sentence is not shown

    elsewhere = build(settings, llm=Doubting("Rutherford", "Rutherford, chercheur écossais, a donné son nom à l'azote"))
    elsewhere.add_articles([named, other])
    answer = elsewhere.ask(asked)
    assert {c.title for c in answer.passages} == {"Lavoisier", "Rutherford"}  # both shown to the model
    assert answer.refused and "Rutherford, chercheur" not in answer.answer, answer.answer
    assert [(s.text, s.supported) for s in answer.sentences] == [
        ("Rutherford, chercheur écossais, a donné son nom à l'azote.", False)
    ]


def test_a_sentence_is_restated_from_a_passage_whose_chunk_names_the_question_s_names_outside_the_part_shown():
    """The passage shown of the seed article says « la Chine »; its chunk names « Pékin », as the gate reads it."""
    from rag.answer.passages import Passage

    text = "Pékin défend l'accord de Paris. Ce retrait a été critiqué par la Chine, qui y voit un recul."
    c = Chunk(id="a:0", article_id="a", n=0, text=text, start=0, end=len(text), title="Climat", lang="fr")
    shown = Passage(c, text[32:], 32, len(text))
    assert "Pékin" not in shown.text
    asked = "Qu'a dit Pékin de l'accord de Paris ?"
    assert restatable_from(asked, "fr", [shown], {1}) == {1}
    # a passage not among those covering the question
    assert restatable_from(asked, "fr", [shown], set()) == frozenset()
    assert restatable_from("Qu'a dit Moscou de l'accord de Paris ?", "fr", [shown], {1}) == frozenset()


def test_an_answer_rests_on_the_chunks_holding_the_questions_words_when_no_part_shown_holds_them():
    """What is shown of a chunk is read first; when no part shown holds a share of the question's words, the chunks
    are read as the gate read them, so an answer the gate let the model write is not refused for the cut alone."""
    from rag.answer.evidence import holding
    from rag.answer.passages import Passage

    def passage(text: str, shown_from: int, title: str = "Guerre russo-turque") -> Passage:
        c = Chunk(id="a:0", article_id="a", n=0, text=text, start=0, end=len(text), title=title, lang="fr")
        return Passage(c, text[shown_from:], shown_from, len(text))

    asked = "Quelle ville tombe aux mains des Russes après un siège ?"  # vill, tomb, main, russ, sieg: 2 needed
    siege = "Les Russes assiègent la ville en juillet. Le siège de Varna s'achève par sa chute le 29 septembre."
    cut = passage(siege, siege.index("Le siège"))
    assert not covers(asked, "fr", cut.chunk.title, cut.text, "fr", 0.33)  # siège only
    assert holding(asked, "fr", [cut], 0.33) == [True]  # its chunk: Russes, ville, siège
    elsewhere = passage("La flotte de la mer Noire mouille devant Varna. Le siège dure.", 0, "Flotte")
    assert holding(asked, "fr", [cut, elsewhere], 0.33) == [True, False]
    # a part shown holding the words: only those are read
    whole = passage(siege, 0)
    assert holding(asked, "fr", [cut, whole], 0.33) == [False, True]
    assert holding(asked, "fr", [elsewhere], 0.33) == [False]


def test_a_refusal_for_missing_words_names_them_and_the_closest_articles():
    from rag.answer.finishing import refusal_text

    text = refusal_text("fr", None, ["Machine à vapeur"], unsaid=["indicateur", "enregistré"])
    assert "« indicateur », « enregistré »" in text and "« Machine à vapeur »" in text


def test_et_l_inde_after_the_china_question_searches_india_and_is_refused(fake_settings):
    llm = ScriptedLLM()
    p = build(fake_settings, llm=llm)
    p.add([SEED])
    history = [Message("user", "Pourquoi la Chine est-elle importante pour la Russie ?"), Message("assistant", "…")]
    answer = p.ask("Et l'Inde ?", history)
    assert answer.retrieval.query == "Pourquoi l'Inde est-elle importante pour la Russie ?"
    assert answer.refused and answer.citations == () and "Inde" in answer.answer
    assert llm.calls == []  # refused before the model could invent anything


def test_a_question_the_passages_found_hardly_speak_of_is_refused_before_the_model(fake_settings):
    llm = ScriptedLLM()
    p = build(fake_settings, llm=llm)
    p.add([SEED])
    answer = p.ask("Combien de sous-marins nucléaires Poutine a-t-il vendus à Pékin avec des satellites ?")
    assert answer.retrieval.hits and answer.refused and answer.citations == ()
    assert "« nucléaires »" in answer.answer and "Coopération" in answer.answer  # what lacks, and what was found
    assert "« sous-marins », « nucléaires », « satellites »" in answer.answer  # a compound is named whole, once
    assert llm.calls == []
    assert not p.ask("Pourquoi la Chine est-elle importante pour la Russie ?").refused


def test_dates_read_in_a_question_keep_undated_articles_and_give_way_when_nothing_matches(fake_settings):
    from rag.config import with_overrides

    p = build(with_overrides(fake_settings, {"retrieval.reference_date": "2024-03-15"}))
    undated = make_article(
        id="undated",
        text="Le port de Sète accueille une régate de voiliers anciens. " * 5,
        title="Régate à Sète",
        lang="fr",
    )
    old = make_article(
        id="old",
        text="La grève des dockers paralyse le port du Havre depuis lundi. " * 5,
        title="Grève au Havre",
        date="2019-05-02",
        lang="fr",
    )
    p.add_articles([undated, old])
    this_week = p.search("Quelle régate a lieu à Sète cette semaine ?")
    assert this_week.filters["undated"] and "undated" in {h.chunk.article_id for h in this_week.hits}
    explicit = p.search("Quelle régate a lieu à Sète ?", Filters(since="2024-03-11", until="2024-03-16"))
    assert "undated" not in {h.chunk.article_id for h in explicit.hits}  # the user's own dates are hard
    answer = p.ask("Que se passe-t-il au port du Havre cette semaine ?")
    assert answer.retrieval.filters.get("relaxed") and not answer.refused
    assert [c.article_id for c in answer.citations] == ["old"]
