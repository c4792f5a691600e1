"""Z-score fusion and the cross-language BM25 bridge: exact values on hand-made scores and chunks."""

import pytest

from rag.retrieve.bm25 import BM25Index
from rag.retrieve.fusion import fuse_zscores
from rag.retrieve.hybrid import lexical_bridged
from rag.text.analysis import analyze, bridge_terms
from rag.types import Chunk


def test_zscore_fusion_by_hand():
    dense = {"a": 0.9, "b": 0.8, "c": 0.7}  # z: +1.2247, 0, -1.2247
    lexical = {"b": 10.0, "d": 4.0}  # z: +1, -1
    fused = fuse_zscores(dense, lexical, {"b": 1.0, "d": 0.0}, dense_weight=0.5)
    assert [id for id, _ in fused] == ["b", "a", "d", "c"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(0.5)
    assert scores["a"] == pytest.approx(0.5 * 1.224745 - 0.5)  # absent from BM25: its lowest z-score
    assert scores["d"] == pytest.approx(-0.5 * 1.224745)  # BM25 muted (weight 0), absent from dense: dense floor
    assert scores["c"] == pytest.approx(-0.5 * 1.224745 - 0.5)


def test_equal_fused_scores_keep_the_dense_order():
    for order in (["x", "y", "z"], ["z", "x", "y"], ["y", "z", "x"]):
        fused = fuse_zscores({id: 0.5 for id in order}, {}, {})
        assert [id for id, _ in fused] == order


@pytest.mark.parametrize(
    "text, names",
    [
        ("À Newport on the Levee, des voleurs subtilisent 26 750 $", "Newport Levee 26 750"),
        ("Mexico's AMLO vows not to use military against civilians", "AMLO"),
        ("Ayr 38 - 17 Melrose : Ayr reste invaincu", "38 17 Melrose Ayr"),
        ("pourquoi la chine est-elle importante ?", ""),
    ],
)
def test_bridge_terms_are_names_and_numbers(text, names):
    assert bridge_terms(text) == names


def chunk(id: str, text: str, lang: str) -> Chunk:
    return Chunk(id=id, article_id=id.split(":")[0], n=0, text=text, start=0, end=len(text), lang=lang)


def test_bm25_reads_only_names_in_other_languages():
    index = BM25Index.build(
        [
            chunk("fr1:0", "Une personne a disparu à Melrose, selon la police locale.", "fr"),
            chunk("en1:0", "A missing person was reported by the family on Sunday.", "en"),
            chunk("en2:0", "Melrose police searched the river for a second day.", "en"),
            chunk("en3:0", "The harvest was late this year because of the rain.", "en"),
        ],
        generation=1,
    )
    query = "La personne a disparu à Melrose"
    plain = {id for id, _, _ in index.search(query, "fr", 10)}
    assert plain == {"fr1:0", "en1:0", "en2:0"}  # "personne" and "person" share a stem: a match by accident
    bridged = lexical_bridged(index, query, "fr", 10, None)
    assert [(id, lang) for id, _, lang in bridged][0] == ("fr1:0", "fr")
    assert {id for id, _, _ in bridged} == {"fr1:0", "en2:0"}


def test_question_words_are_dropped_from_queries_only():
    question = "Combien de personnes travaillent au ministère des Sports ?"
    assert analyze(question, "fr", query=True) == ["person", "travaillent", "minister", "sport"]
    assert analyze(question, "fr")[0] == "combien"  # a passage keeps every word
    assert analyze("Whose plan did Labour deny?", "en", query=True) == ["plan", "labour", "deni"]
    # "how many" asks as « combien » does; "many" elsewhere is a word of the topic
    assert analyze("How many flights were cancelled?", "en", query=True) == ["flight", "cancel"]
    assert analyze("How much did Wikidata cost?", "en", query=True) == ["wikidata", "cost"]
    assert analyze("Why did so many flights stop?", "en", query=True) == ["mani", "flight", "stop"]
