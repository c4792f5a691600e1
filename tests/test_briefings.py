"""Briefings: the period's stories, biggest then newest, one checked sentence each (a quoted lead otherwise)."""

from __future__ import annotations

import json
import re

import pytest
from test_timelines import PARIS, article

from rag.types import Filters

from conftest import FAKES, ScriptedLLM


@pytest.fixture
def stories():
    return [
        article("paris-2", " ".join(reversed(PARIS)), "2024-01-06", "Paris Agreement signed"),
        article("paris-1", " ".join(PARIS), "2024-01-05", "Paris Agreement: 195 countries sign"),
        article(
            "rugby-1",
            "The rugby team won the final in Cardiff on Saturday after a long season. Fans celebrated late.",
            "2024-02-01",
        ),
        article(
            "paris-3",
            "Washington left the Paris Agreement, a setback for climate policy, the White House said in March. "
            "Europe regretted the decision.",
            "2024-03-01",
            "Washington leaves the Paris Agreement",
        ),
        article("old-1", "An old story from the previous year about the harbour of Brest and its boats.", "2023-05-01"),
    ]


def test_a_briefing_ranks_the_periods_stories_and_gives_each_one_cited_supported_sentence(fake_pipeline, stories):
    fake_pipeline.add_articles(stories)
    items = list(fake_pipeline.brief("", Filters(since="2024-01-01"), lang="en"))
    assert [(i.story, i.articles, i.date) for i in items] == [
        ("paris-2", 2, "2024-01-06"),  # the biggest story first
        ("paris-3", 1, "2024-03-01"),  # then the newest
        ("rugby-1", 1, "2024-02-01"),
    ]  # the 2023 story is outside the period
    for item in items:
        answer = item.answer
        assert not item.quoted and len([s for s in answer.sentences if s.supported]) == 1
        story_ids = {"paris-2": {"paris-1", "paris-2"}}.get(item.story, {item.story})
        assert answer.citations and all(c.article_id in story_ids for c in answer.citations)
    assert list(fake_pipeline.brief("Paris Agreement", Filters(since="2024-01-01"), lang="en"))[1].story == "paris-3"
    assert [i.story for i in fake_pipeline.brief("Paris Agreement", lang="en", limit=1)] == ["paris-2"]


def test_a_story_the_model_cannot_summarise_supported_gets_its_lead_sentence_quoted(fake_settings, stories):
    from rag.pipeline import build

    pipeline = build(fake_settings, llm=ScriptedLLM("Bananas grow in Iceland every winter [1]."))
    pipeline.add_articles(stories[3:4])
    (item,) = pipeline.brief("", Filters(since="2024-01-01"), lang="en")
    lead = "Washington left the Paris Agreement, a setback for climate policy, the White House said in March."
    assert item.quoted and item.answer.answer == f"“{lead}” [1]"  # its own words, cited
    assert [(s.text, s.citations, s.supported) for s in item.answer.sentences] == [(f"“{lead}”", (1,), True)]
    assert item.answer.citations[0].article_id == "paris-3"
    restating = build(fake_settings, llm=ScriptedLLM("Washington left the Paris Agreement [1]."))  # the headline
    (item,) = restating.brief("", Filters(since="2024-01-01"), lang="en")
    assert item.quoted and item.answer.answer == f"“{lead}” [1]"
    silent = build(fake_settings, llm=ScriptedLLM(""))  # no sentence at all: the lead, quoted
    (item,) = silent.brief("", Filters(since="2024-01-01"), lang="en")
    assert item.quoted and item.answer.answer == f"“{lead}” [1]" and item.answer.citations[0].article_id == "paris-3"
    (item,) = silent.brief("", Filters(since="2024-01-01"), lang="fr")  # in French quotes for a French reader
    assert item.answer.answer == f"« {lead} » [1]" and not item.translated


class Translating(ScriptedLLM):
    """Writes an unsupported sentence about any story, and translates the sentences of ``translations``."""

    def __init__(self, translations: dict[str, str]):
        super().__init__("Bananas grow in Iceland every winter [1].")
        self.translations = translations

    def stream(self, messages, max_tokens):
        asked = messages[-1].content
        if asked.startswith("Translate this French sentence"):
            self.calls.append(list(messages))
            sentence = asked.rstrip().rsplit("\n", 1)[-1]
            yield from re.findall(r"\S+\s*", self.translations.get(sentence, "I cannot translate this."))
        else:
            yield from super().stream(messages, max_tokens)


def test_a_lead_quoted_for_a_reader_of_the_other_language_is_translated_when_the_translation_is_supported(
    fake_settings,
):
    from rag.pipeline import build

    lead = "Emmanuel Macron a rencontré Olaf Scholz à Berlin le 3 mars 2024 pour parler de défense européenne."
    second = "Olaf Scholz a reçu Emmanuel Macron à la chancellerie de Berlin."
    french = article("berlin-1", f"- {lead} {second} Ils ont parlé deux heures.", "2024-03-03", lang="fr")
    translation = "Emmanuel Macron met Olaf Scholz in Berlin on 3 March 2024 to discuss European defence."
    llm = Translating({lead: translation})
    pipeline = build(fake_settings, llm=llm)
    pipeline.add_articles([french])
    (item,) = pipeline.brief("", Filters(since="2024-03-01"), lang="en")
    assert item.quoted and item.translated
    assert item.answer.answer == f"Translated from French: {translation[:-1]} [1]."
    assert llm.calls[-1][-1].content.rstrip().endswith(lead)  # the sentence, without its list dash
    (citation,) = item.answer.citations  # the French sentence it translates, highlighted in its article
    assert citation.article_id == "berlin-1"
    assert citation.passage[citation.highlight_start : citation.highlight_end] == lead
    # A translation that says more than its sentence (a date it does not hold) is not shown: the lead's next
    # sentence is tried, then the lead is quoted as it is.
    wrong = translation.replace("3 March", "5 March")
    next_one = "Olaf Scholz received Emmanuel Macron at the Berlin chancellery."
    (item,) = build(fake_settings, llm=Translating({lead: wrong, second: next_one})).brief("", lang="en")
    assert item.translated and item.answer.answer == f"Translated from French: {next_one[:-1]} [1]."
    citation = item.answer.citations[0]
    assert citation.passage[citation.highlight_start : citation.highlight_end] == second
    (item,) = build(fake_settings, llm=Translating({lead: wrong})).brief("", lang="en")
    assert item.quoted and not item.translated and item.answer.answer == f"“{lead}” [1]"


def test_the_brief_command_reads_spans_back_from_today_and_prints_json(fake_pipeline, stories):
    from click.testing import CliRunner

    from rag.cli import main
    from rag.cli.stories import since_date

    fake_pipeline.add_articles(stories)
    from datetime import date

    assert since_date("2d", date(2024, 3, 3)) == "2024-03-01" and since_date("1w", date(2024, 3, 8)) == "2024-03-01"
    assert since_date("2024-01-01", date(2024, 3, 3)) == "2024-01-01"
    data = fake_pipeline.settings.data_dir
    fake_pipeline.store.close()
    args = [*FAKES, "--data-dir", str(data), "brief", "--since", "2024-02-15", "--in", "fr", "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["language"] == "fr" and [s["story"] for s in out["stories"]] == ["paris-3"]
    assert out["stories"][0]["citations"][0]["article_id"] == "paris-3"


@pytest.mark.parametrize(
    "question, lang, topic, since, until",
    [
        ("Quoi de neuf depuis hier ?", "fr", "", "2024-03-09", None),
        ("Quoi de neuf sur l'accord de Paris cette semaine ?", "fr", "l'accord de Paris", "2024-03-04", "2024-03-11"),
        ("What's new on the Paris Agreement this week?", "en", "the Paris Agreement", "2024-03-04", "2024-03-11"),
        ("What's new?", "en", "", "2024-03-08", None),  # no period said: the last two days
    ],
)
def test_questions_that_ask_what_is_new_become_a_briefing_of_their_period(question, lang, topic, since, until):
    from datetime import date

    from rag.briefings import briefing_request

    asked_topic, period = briefing_request(question, lang, date(2024, 3, 10))
    assert (asked_topic, period.since, period.until, period.undated) == (topic, since, until, False)
    assert briefing_request("Pourquoi la Chine est-elle importante pour la Russie ?", "fr", date(2024, 3, 10)) is None
