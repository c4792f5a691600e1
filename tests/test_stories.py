"""Stories: the rule (pure), its use at ingest (fake embedder, real store), and FR/EN pairs with the real embedder."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rag.text.stories import MAX_DAYS, Neighbour, same_story, story_terms
from rag.types import Article

from conftest import SHARED_DATA, require_shared_data

QUAKE = frozenset({"indon", "sulaw", "palu", "#384"})


def test_story_terms_are_the_names_and_numbers_read_alike_across_languages():
    fr = story_terms("Au moins 384 personnes sont mortes à Palu, en Indonésie, après le séisme de Sulawesi.")
    en = story_terms("At least 384 people died in Palu, Indonesia, after the Sulawesi earthquake.")
    assert fr == en == QUAKE  # « Au » and « At » open their sentences: not names


@pytest.mark.parametrize(
    "similarity, terms, day, joins",
    [
        (0.92, QUAKE, None, True),  # similar leads, the same names and numbers
        (0.92, frozenset({"trump"}), None, False),  # similar leads, nothing shared: another event of the same kind
        (0.75, QUAKE, None, False),  # the same names in leads that differ: never the same event
        (0.92, QUAKE, date(2018, 9, 28 - MAX_DAYS - 1), False),  # too far apart in time
        (0.92, QUAKE, date(2018, 9, 28 - MAX_DAYS), True),
    ],
)
def test_a_new_article_joins_a_story_only_with_similar_leads_shared_names_and_close_dates(
    similarity, terms, day, joins
):
    neighbours = [Neighbour("quake", similarity, terms, day), Neighbour("other", 0.85, frozenset(), None)]
    assert same_story(QUAKE, date(2018, 9, 28), neighbours) == ("quake" if joins else None)


def article(id, text, title="", day="2018-09-28"):
    return Article(id=id, title=title, text=text, date=day, source=f"source-{id}", lang="en")


QUAKE_TEXT = [
    "At least 384 people have died after an earthquake hit the Indonesian island of Sulawesi on Friday.",
    "The 7.5-magnitude earthquake triggered a tsunami that swept into the city of Palu.",
    "Rescuers in Palu searched the rubble of hotels and a shopping mall for survivors.",
]


def test_articles_are_grouped_as_they_are_added_and_the_story_is_read_back(fake_pipeline):
    first = article("quake-1", " ".join(QUAKE_TEXT), title="Quake in Sulawesi")
    retold = article("quake-2", " ".join(reversed(QUAKE_TEXT)), title="Sulawesi quake toll")  # same event, rewritten
    other = article(
        "vote-1", "Voters in Brazil chose a new president on Sunday, Jair Bolsonaro, after a long campaign."
    )
    later = article(  # the same names a year on: another event
        "quake-3", " ".join(reversed(QUAKE_TEXT)) + " Palu remembers.", title="Quake anniversary", day="2019-09-28"
    )
    fake_pipeline.add_articles([first, other])
    fake_pipeline.add_articles([retold, later])  # a later add: joins the stored story, never re-clusters
    stories = {r.article.id: r.story for r in fake_pipeline.articles()}
    assert stories == {"quake-1": "quake-1", "quake-2": "quake-1", "vote-1": "vote-1", "quake-3": "quake-3"}
    assert [r.article.id for r in fake_pipeline.story("quake-2")] == ["quake-1", "quake-2"]
    assert [r.article.id for r in fake_pipeline.story("vote-1")] == ["vote-1"]
    assert fake_pipeline.story("missing") == []
    summary = {r.article.id: r.summary()["story"] for r in fake_pipeline.articles()}
    assert summary["quake-2"] == "quake-1"


def test_a_wire_copy_joins_the_story_of_the_article_it_copies(fake_pipeline):
    fake_pipeline.add_articles([article("afp-1", " ".join(QUAKE_TEXT) * 3)])
    fake_pipeline.add_articles([article("copy-1", " ".join(QUAKE_TEXT) * 3 + " Reuters.", day="2018-09-29")])
    fake_pipeline.add_articles([article("copy-2", " ".join(QUAKE_TEXT) * 3 + " AP.", day="2019-09-28")])
    records = {r.article.id: r for r in fake_pipeline.articles()}
    assert records["copy-1"].duplicate_of == "afp-1" and records["copy-1"].story == "afp-1"
    assert records["copy-2"].duplicate_of and records["copy-2"].story == "copy-2"  # republished a year later


@pytest.mark.slow
def test_french_and_english_versions_share_a_story_and_other_events_of_the_day_do_not(tmp_path):
    """The real embedder: the NTREX article in English and in French, two other events the same day."""
    require_shared_data()
    from rag.config import load_settings
    from rag.pipeline import build

    def ntrex(lang, doc):
        rows = [json.loads(line) for line in (SHARED_DATA / "corpora" / f"ntrex_dev_{lang}_bodies.jsonl").open()]
        row = next(r for r in rows if r["id"] == f"ntrex-{doc}-{lang}")
        return Article(id=row["id"], title="", text=row["text"], date="2018-10-01", source=doc, lang=lang)

    pipeline = build(load_settings({"llm.backend": "fake", "data_dir": str(tmp_path / "data")}, environ={}))
    pipeline.add_articles([ntrex("en", "dailymail.co.uk.298686"), ntrex("en", "abcnews.306758")])
    pipeline.add_articles([ntrex("fr", "abcnews.306758"), ntrex("fr", "dailymail.co.uk.298686")])
    stories = {r.article.id: r.story for r in pipeline.articles()}
    assert stories == {
        "ntrex-dailymail.co.uk.298686-en": "ntrex-dailymail.co.uk.298686-en",
        "ntrex-dailymail.co.uk.298686-fr": "ntrex-dailymail.co.uk.298686-en",
        "ntrex-abcnews.306758-en": "ntrex-abcnews.306758-en",
        "ntrex-abcnews.306758-fr": "ntrex-abcnews.306758-en",
    }


def cited(n, article_id, source, story=None):
    from rag.types import Citation

    return Citation(n, article_id, f"{article_id}:0", "Quake", "2018-09-28", source, None, "…", 0, 1, 1.0, story=story)


def test_citations_carry_their_story_and_the_footer_says_what_several_sources_corroborate(fake_pipeline):
    from rag.answer.stories import with_stories
    from rag.types import Answer, Sentence
    from ui.render import answer_html, sources_html

    fake_pipeline.add_articles(
        [
            article("quake-1", " ".join(QUAKE_TEXT), title="Quake in Sulawesi"),
            article("quake-2", " ".join(reversed(QUAKE_TEXT)), title="Sulawesi quake toll"),
            article("vote-1", "Voters in Brazil chose a new president on Sunday, Jair Bolsonaro, after a campaign."),
        ]
    )
    answer = Answer(
        "What happened in Palu?",
        "en",
        "At least 384 people died [1][2]. Brazil voted [3].",
        False,
        citations=(
            cited(1, "quake-1", "source-quake-1"),
            cited(2, "quake-2", "source-quake-2"),
            cited(3, "vote-1", "x"),
        ),
        sentences=(Sentence("At least 384 people died.", (1, 2), True), Sentence("Brazil voted.", (3,), True)),
    )
    answer = with_stories(answer, fake_pipeline.store)
    stories = [c.story for c in answer.citations]
    assert stories[0] == stories[1] and stories[0].articles == 2 and stories[2] is None
    assert stories[0].sources == ("source-quake-1", "source-quake-2") and stories[0].languages == ("en",)
    assert answer.corroborated() == [(1, 2)]
    assert Answer.from_dict(answer.to_dict()).citations == answer.citations  # saved conversations keep it
    assert "même histoire : 2 articles, 2 source(s), en" in sources_html(answer, "a1", "fr")
    assert "Corroborated by several sources of the same story" in answer_html(answer, "a1", "en")
    one_source = Answer("q", "en", "x", False, answer.citations[:1], (Sentence("x.", (1,), True),))
    assert one_source.corroborated() == []  # one source is not corroboration
