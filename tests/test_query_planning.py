"""Time phrases, follow-up completion, fusion and recency: exact values with a fixed reference date."""

from datetime import date

import pytest

from rag.ingest.articles import make_article
from rag.ingest.chunking import chunk_article
from rag.retrieve.fusion import Ranked, fuse
from rag.retrieve.query import complete_from_history, plan
from rag.retrieve.stages import cap_per_article, prefer_recent
from rag.text.timephrases import parse
from rag.types import Filters, Hit, Message

from conftest import HashingEmbedder

TODAY = date(2024, 3, 14)  # a Thursday


@pytest.mark.parametrize(
    "question, since, until, recent, cleaned",
    [
        (
            "Que s'est-il passé cette semaine en Ukraine ?",
            "2024-03-11",
            "2024-03-15",
            False,
            "Que s'est-il passé en Ukraine?",
        ),
        ("Qu'a dit le ministre hier ?", "2024-03-13", "2024-03-14", False, "Qu'a dit le ministre?"),
        ("Et avant-hier ?", "2024-03-12", "2024-03-13", False, "Et?"),
        ("Les élections en 2019", "2019-01-01", "2020-01-01", False, "Les élections"),
        ("Combien de grèves depuis janvier ?", "2024-01-01", "2024-03-15", False, "Combien de grèves?"),
        ("Depuis septembre, quoi de neuf ?", "2023-09-01", "2024-03-15", False, "quoi de neuf?"),
        ("la semaine dernière à Paris", "2024-03-04", "2024-03-11", False, "à Paris"),
        ("le mois dernier", "2024-02-01", "2024-03-01", False, "le mois dernier"),
        ("Et cette année ?", "2024-01-01", "2024-03-15", False, "Et?"),
        ("l'an dernier", "2023-01-01", "2024-01-01", False, "l'an dernier"),
        ("en mars 2020", "2020-03-01", "2020-04-01", False, "en mars 2020"),
        ("entre 2018 et 2020", "2018-01-01", "2021-01-01", False, "entre 2018 et 2020"),
        ("il y a deux semaines", "2024-02-29", "2024-03-15", False, "il y a deux semaines"),
        ("What happened yesterday in Gaza?", "2024-03-13", "2024-03-14", False, "What happened in Gaza?"),
        ("latest news on Tesla", None, None, True, "news on Tesla"),
        ("Les dernières nouvelles sur la grève", None, None, True, "Les sur la grève"),
        ("What happened last month?", "2024-02-01", "2024-03-01", False, "What happened?"),
        ("this year in Europe", "2024-01-01", "2024-03-15", False, "in Europe"),
        ("inflation over the past 3 months", "2023-12-14", "2024-03-15", False, "inflation over the"),
        ("What about last year?", "2023-01-01", "2024-01-01", False, "What about?"),
        ("since 2021", "2021-01-01", "2024-03-15", False, "since 2021"),
        ("Qui est apparu dans les dernières années ?", None, None, True, "Qui est apparu?"),
        ("the strikes of the last weeks", None, None, True, "the strikes of"),
        ("Pourquoi la Chine est-elle importante ?", None, None, False, "Pourquoi la Chine est-elle importante ?"),
    ],
)
def test_time_phrases(question, since, until, recent, cleaned):
    intent, query = parse(question, TODAY)
    assert (intent.since.isoformat() if intent.since else None) == since
    assert (intent.until.isoformat() if intent.until else None) == until
    assert intent.recent == recent
    assert query == cleaned


def test_month_without_year_is_the_last_one_passed():
    intent, _ = parse("depuis novembre", TODAY)
    assert intent.since == date(2023, 11, 1)
    intent, _ = parse("en février", TODAY)
    assert (intent.since, intent.until) == (date(2024, 2, 1), date(2024, 3, 1))


def test_explicit_dates_win_over_question_dates():
    p = plan("Les élections en 2019", "fr", TODAY, (), Filters(since="2022-01-01"))
    assert p.filters.since == "2022-01-01" and p.filters.until is None


def test_follow_up_completion():
    history = [Message("user", "Pourquoi la Chine est-elle importante pour la Russie ?"), Message("assistant", "…")]
    assert complete_from_history("Et l'Inde ?", "fr", history) == "Pourquoi l'Inde est-elle importante pour la Russie ?"
    assert (
        complete_from_history("Et dans l'industrie ?", "fr", history)
        == "Et dans l'industrie — Pourquoi Chine importante Russie"
    )
    assert (
        complete_from_history("Quel est le budget de la NASA pour 2012 ?", "fr", history)
        == "Quel est le budget de la NASA pour 2012 ?"
    )
    p = plan("What about last year?", "en", TODAY, history)
    assert p.filters.since == "2023-01-01" and "Chine" in p.query and p.rewritten


def test_rrf_by_hand_with_weights():
    fused = dict(fuse({"a": Ranked(("x", "y"), ()), "b": Ranked(("y", "z"), (), (1.0, 0.0))}, k=60))
    assert fused["x"] == pytest.approx(1 / 61)
    assert fused["y"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["z"] == 0.0


def hit(article, n, fused, date_=None):
    a = make_article(id=article, text=f"Texte {article} {n}.", title="T", date=date_, lang="fr")
    return Hit(chunk=chunk_article(a, HashingEmbedder().count_tokens)[0], fused=fused)


def test_cap_per_article_and_recency():
    hits = [hit("a", 0, 0.9), hit("a", 1, 0.8), hit("a", 2, 0.7), hit("b", 0, 0.6)]
    assert [h.chunk.article_id for h in cap_per_article(hits, 2)] == ["a", "a", "b"]
    old, new = hit("old", 0, 0.030, "2020-01-01"), hit("new", 0, 0.025, "2024-01-01")
    assert [h.chunk.article_id for h in prefer_recent([old, new])] == ["new", "old"]
    far = hit("far", 0, 0.1, "2020-01-01")
    assert [h.chunk.article_id for h in prefer_recent([far, new])][0] == "far"  # relevance still counts


def test_rerank_blends_first_and_second_stage():
    from rag.retrieve.stages import rerank

    class Fixed:
        def __init__(self, scores):
            self._scores = scores

        def scores(self, query, passages):
            import numpy as np

            return np.array([self._scores[p.split("\n")[-1]] for p in passages], dtype=float)

    hits = [hit("a", 0, 3.0), hit("b", 0, 2.0), hit("c", 0, 1.0), hit("d", 0, 0.5)]
    texts = {h.chunk.embed_text.split("\n")[-1]: s for h, s in zip(hits, (0.1, 0.2, 0.9, 5.0), strict=True)}
    # Only the top three are rescored; "c" jumps ahead when the second stage weighs enough; "d" stays last.
    assert [h.chunk.article_id for h in rerank(hits, "q", Fixed(texts), depth=3, weight=0.0)] == ["a", "b", "c", "d"]
    assert [h.chunk.article_id for h in rerank(hits, "q", Fixed(texts), depth=3, weight=1.0)] == ["c", "b", "a", "d"]


def test_near_duplicate_passages_are_dropped():
    from rag.retrieve.stages import drop_near_duplicates

    wire = (
        "MOSCOU (Reuters) - Vladimir Poutine et Xi Jinping ont échangé mardi sur les relations entre leurs deux pays."
    )
    a = make_article(id="reuters", text=wire, title="T", lang="fr")
    b = make_article(id="figaro", text=wire + " Avec AFP.", title="T", lang="fr")
    c = make_article(id="other", text="Le match de football a été reporté à cause de la neige.", title="T", lang="fr")
    hits = [Hit(chunk=chunk_article(x, HashingEmbedder().count_tokens)[0], fused=1.0) for x in (a, b, c)]
    assert [h.chunk.article_id for h in drop_near_duplicates(hits)] == ["reuters", "other"]
