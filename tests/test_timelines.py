"""Timelines: stories about a topic in date order, with filters and time phrases, without the LLM."""

from __future__ import annotations

from datetime import date

import pytest

from rag.types import Article, Filters

PARIS = [
    "The Paris Agreement on climate was signed by 195 countries in Le Bourget near Paris.",
    "Beijing said the Paris Agreement remained the basis of its climate policy.",
    "Negotiators in Le Bourget welcomed the 195 signatures.",
]


def article(id, text, day, title="", lang="en", source=None):
    return Article(id=id, title=title, text=text, date=day, source=source or f"source-{id}", lang=lang)


@pytest.fixture
def archive(fake_pipeline):
    fake_pipeline.add_articles(
        [
            article("paris-2", " ".join(reversed(PARIS)), "2024-01-06", "Paris Agreement signed"),  # same story
            article("paris-1", " ".join(PARIS), "2024-01-05", "Paris Agreement: 195 countries sign"),
            article("rugby-1", "The rugby team won the final in Cardiff on Saturday.", "2024-02-01", "Rugby"),
            article(
                "paris-3",
                "Washington left the Paris Agreement, a setback for climate policy, the White House said in March.",
                "2024-03-01",
                "Washington leaves the Paris Agreement",
            ),
        ]
    )
    return fake_pipeline


def test_a_timeline_lists_the_stories_about_the_topic_oldest_first_with_a_lead_sentence(archive):
    query, entries = archive.timeline("Paris Agreement")
    assert [(e.story, e.date, e.articles) for e in entries] == [
        ("paris-2", "2024-01-05", 2),  # dated by its first article; named by the first added
        ("paris-3", "2024-03-01", 1),
    ]
    first = entries[0]
    assert first.sources == ("source-paris-1", "source-paris-2") and first.languages == ("en",)
    text = archive.store.get_articles([first.article_id])[first.article_id].article.text
    assert text[first.start : first.end].startswith(first.lead[:20]) and "Paris Agreement" in first.lead
    assert "rugby" not in " ".join(e.lead.lower() for e in entries)  # not about the topic


def test_filters_and_time_phrases_narrow_the_timeline(archive):
    assert [e.story for e in archive.timeline("Paris Agreement", Filters(since="2024-02-01"))[1]] == ["paris-3"]
    assert archive.timeline("Paris Agreement", Filters(langs=("fr",)))[1] == []
    query, entries = archive.timeline("Paris Agreement since February", today=date(2024, 3, 10))
    assert [e.story for e in entries] == ["paris-3"]
    assert [e["story"] for e in [entries[0].to_dict()]] == ["paris-3"]


def test_the_timeline_command_prints_json(archive, tmp_path):
    import json

    from click.testing import CliRunner

    from rag.cli import main

    from conftest import FAKES

    data = archive.settings.data_dir
    archive.store.close()  # the command opens the store itself
    result = CliRunner().invoke(
        main, [*FAKES, "--data-dir", str(data), "timeline", "Paris Agreement", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)["stories"]
    assert [s["story"] for s in stories] == ["paris-2", "paris-3"] and stories[0]["articles"] == 2


def test_the_timeline_tab_lists_stories_and_a_click_opens_the_article_with_the_lead_highlighted(archive):
    from types import SimpleNamespace

    from ui.timeline import TimelineHandlers

    handlers = TimelineHandlers(archive)
    rows, entries, note, reader = handlers.on_run("Paris Agreement", "fr")
    assert [r[0] for r in rows] == ["2024-01-05", "2024-03-01"] and rows[0][3].endswith("(+1)")
    assert note.startswith("2 histoire(s)") and reader == ""
    shown = handlers.on_select(entries, "fr", SimpleNamespace(index=[1, 3]))
    assert "<mark>Washington left the Paris Agreement" in shown and "</mark>" in shown
    rows, entries, note, _ = handlers.on_run("cricket", "en")
    assert rows == [] and "No story about “cricket”" in note
