"""Problems a user can meet are said in the page's language; the command line and JSON keep English."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from rag.errors import IngestError, QuestionError
from rag.problems import TEMPLATES, Problem, localize, reason


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_each_problem_is_said_in_french_with_the_values_it_has(key):
    english, french = TEMPLATES[key]
    assert fields(french) <= fields(english)  # a value French would not say (an English verb) may be left out
    assert english != french  # said in French, not copied


def test_a_problem_is_its_english_text_and_says_itself_in_french():
    problem = Problem("at", where="a.txt", reason=Problem("empty_file"))
    assert problem == "a.txt: empty file" and isinstance(problem, str)
    assert problem.say("fr") == "a.txt : fichier vide"
    assert localize(IngestError(problem), "fr") == "a.txt : fichier vide"
    assert localize(IngestError(problem), "en") == "a.txt: empty file"
    assert localize("plain text", "fr") == "plain text"  # words from elsewhere are shown as given
    assert reason(IngestError("plain")) == "plain" and reason(IngestError(problem)) is problem


def test_large_counts_are_grouped_the_way_each_language_writes_them():
    problem = Problem("too_long", id="a1", n=2_500_000, limit=2_000_000)
    assert "2,500,000 characters is over the 2,000,000 limit" in problem
    assert "2\u202f500\u202f000 caractères" in problem.say("fr")


def test_the_page_says_rejections_in_french_and_the_report_keeps_english(fake_pipeline, tmp_path):
    from ui.corpus import CorpusHandlers

    handlers = CorpusHandlers(fake_pipeline)  # private addresses are refused by default
    summary, _ = handlers.on_url("http://127.0.0.1:9/a.html", "fr")
    assert "est une adresse privée ou locale" in summary and "ingest.allow_private_urls = true" in summary
    assert "private or local" not in summary
    summary, _ = handlers.on_url("ftp://example.org/a.html", "fr")
    assert "seules les adresses web commençant par http:// ou https://" in summary
    summary, _ = handlers.on_text("x" * 3_000_000, "fr")
    assert "web : 3\u202f000\u202f000 caractères, au-delà de la limite" in summary
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    report = fake_pipeline.add([empty, Path(tmp_path / "missing.txt")])
    assert [str(r) for r in report.rejected] == [
        f"{empty}: empty file",
        f"{tmp_path / 'missing.txt'} does not exist — check the path",
    ]
    assert [localize(r, "fr") for r in report.rejected] == [
        f"{empty} : fichier vide",
        f"{tmp_path / 'missing.txt'} n'existe pas — vérifiez le chemin",
    ]


def test_question_errors_are_said_in_french_in_the_page(fake_pipeline):
    with pytest.raises(QuestionError) as caught:
        fake_pipeline.ask("   ")
    assert str(caught.value) == "the question is empty — type a question"
    assert localize(caught.value, "fr") == "la question est vide — tapez une question"
