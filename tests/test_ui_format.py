"""The web chat's formatting logic (pure) and app construction."""

from datetime import date

import pytest

from rag.answer.conversations import Conversation, ConversationStore
from rag.i18n import LABELS, browser_lang, t
from rag.types import Answer, Citation, Retrieval, Sentence
from ui.app import build_app, parse_auth
from ui.chat import conversation_view, quick_range
from ui.examples import example_questions
from ui.render import answer_html, answer_markdown, highlighted_passage, safe_url, sources_html


def citation(**kw):
    base = dict(
        n=1,
        article_id="a",
        chunk_id="a:0",
        title="T",
        date="2024-03-12",
        source="S",
        url=None,
        passage="Première phrase. Phrase clé ici. Fin.",
        start=100,
        end=137,
        support=0.9,
    )
    return Citation(**{**base, **kw})


def answer(**kw):
    base = dict(
        question="Q ?",
        language="fr",
        answer="Vrai [1]. Inventé.",
        refused=False,
        citations=(citation(),),
        sentences=(Sentence("Vrai.", (1,), True), Sentence("Inventé.", (), False)),
        retrieval=Retrieval("Q", {"since": "2024-03-11", "until": "2024-03-15"}),
    )
    return Answer(**{**base, **kw})


def test_answer_html_has_chips_marks_unsupported_and_shows_filters():
    html = answer_html(answer(), "c1-0", "fr")
    assert "<a class='nd-chip' href='#nd-src-c1-0-1'" in html
    assert html.index("Vrai.") < html.index("class='nd-left-out'") < html.index("⚠ Inventé.")  # left out, shown apart
    assert "Filtres actifs : 11 mars 2024 → 15 mars 2024" in html
    # an English page writes its colon as English does, whatever the answer's language
    assert "Active filters: 11 March 2024 → 15 March 2024" in answer_html(answer(), "c1-0", "en")


def test_untrusted_text_is_escaped_everywhere():
    hostile = answer(
        citations=(
            citation(
                title="<img src=x onerror=alert(1)>",
                source="<b>x</b>",
                passage="<script>alert(2)</script>",
                url="javascript:alert(3)",
                highlight_start=None,
            ),
        ),
        sentences=(Sentence("<i>Vrai</i>.", (1,), True),),
    )
    for html in (answer_html(hostile, "c", "fr"), sources_html(hostile, "c", "fr")):
        assert (
            "<img" not in html
            and "<script>" not in html
            and "<b>x" not in html
            and "javascript:" not in html
            and "<i>" not in html
        )
    assert "&lt;img src=x onerror=alert(1)&gt;" in sources_html(hostile, "c", "fr")
    assert (
        safe_url("https://example.org/a?b=1")
        and not safe_url("javascript:alert(1)")
        and not safe_url('https://x" onclick=')
    )


def test_supporting_sentence_is_highlighted():
    c = citation(highlight_start=117, highlight_end=132)
    assert highlighted_passage(c) == "Première phrase. <mark>Phrase clé ici.</mark> Fin."
    assert "<mark>" not in highlighted_passage(citation(highlight_start=10, highlight_end=20))  # outside the passage


def test_refusal_has_no_sources_or_chips():
    refused = answer(refused=True, answer="Les articles ne le disent pas.", citations=(), sentences=())
    assert "nd-chip" not in answer_html(refused, "c", "fr")
    assert "nd-source'" not in sources_html(refused, "c", "fr") and "Aucune source" in sources_html(refused, "c", "fr")


def test_markdown_export_lists_sources_with_passages():
    md = answer_markdown(answer(citations=(citation(url="https://example.org/a"),)), "fr")
    assert md.startswith("## Q ?\n\nVrai \\[1\\].\n\n### Phrases du modèle laissées de côté")
    assert "- ⚠ *Inventé.* (Phrase non étayée par les passages)" in md  # the mark survives export
    assert "1. [T](<https://example.org/a>) — 12 mars 2024, S" in md and "   > Première phrase." in md


def test_conversation_round_trip(tmp_path):
    store = ConversationStore(tmp_path)
    conv = Conversation()
    conv.add("Q ?", answer().to_dict())
    store.save(conv)
    again = store.load(conv.id)
    assert again.turns == conv.turns and store.list()[0].id == conv.id
    rebuilt = Answer.from_dict(again.turns[0]["answer"])
    assert rebuilt.citations[0] == citation() and rebuilt.sentences[1].supported is False
    messages, panel = conversation_view(again, "fr")
    assert (
        messages[0] == {"role": "user", "content": "Q ?"} and "nd-chip" in messages[1]["content"] and "nd-src-" in panel
    )
    assert [m.role for m in again.history()] == ["user", "assistant"] and "[1]" not in again.history()[1].content
    with pytest.raises(ValueError):
        store._path("../../etc/passwd")


def test_labels_quick_ranges_examples_auth(tmp_path):
    assert set(LABELS["fr"]) == set(LABELS["en"])
    assert t("fr", "send") == "Envoyer" and t("de", "send") == "Send"
    assert (
        browser_lang("fr-CA,fr;q=0.9,en;q=0.8") == "fr"
        and browser_lang("de-DE,en;q=0.5") == "en"
        and browser_lang(None) == "en"
    )
    today = date(2024, 3, 14)
    assert quick_range("week", today) == ("2024-03-11", "2024-03-15")
    assert quick_range("month", today) == ("2024-03-01", "2024-03-15")
    assert quick_range("year", today) == ("2024-01-01", "2024-03-15") and quick_range("all", today) == ("", "")
    assert example_questions({"fr": ["Grève à Paris"], "en": ["Strike in Paris"]}) == [
        "Que disent les articles sur « Grève à Paris » ?",
        "What do the articles say about “Strike in Paris”?",
    ]
    long_headlines = [
        "Vendée Globe : Kito de Pavant, heurté par un chalutier, abandonne",  # a name of two words
        "Wikipédia en russe proteste contre un projet de loi sur la censure",  # long, no name, no head: skipped
        "Québec : un sommet sur l'Enseignement supérieur se tiendra en février prochain",  # its head
    ]
    assert example_questions({"fr": long_headlines}) == [
        "Que disent les articles sur Kito de Pavant ?",
        "Que disent les articles sur Québec ?",
        "What do the articles say about Kito de Pavant?",
    ]
    assert parse_auth("alice:s3cret") == [("alice", "s3cret")]
    file = tmp_path / "users"
    file.write_text("# users\nbob:pw\ncarol:pw2\n")
    assert parse_auth(str(file)) == [("bob", "pw"), ("carol", "pw2")]
    with pytest.raises(Exception, match="user:password"):
        parse_auth("nopassword")


def test_build_app_does_not_launch(fake_pipeline):
    app = build_app(fake_pipeline)
    assert app is not None and not getattr(app, "is_running", False)


def test_title_search_ignores_accents_and_case_and_says_when_nothing_matches(fake_pipeline):
    from rag.types import Article
    from ui.corpus import CorpusHandlers

    fake_pipeline.add_articles(
        [
            Article(id="vg", title="Vendée Globe : Kito de Pavant abandonne", text="Le skipper abandonne. " * 5),
            Article(id="pk", title="Pékin répond à Washington", text="La Chine répond. " * 5, source="AFP"),
        ]
    )
    handlers = CorpusHandlers(fake_pipeline)
    assert [row[0] for row in handlers.refresh("vendee GLOBE")] == ["vg"]
    assert [row[0] for row in handlers.refresh("pekin afp")] == ["pk"]  # every word, in the title or the source
    rows, note, selected, selection, *_ = handlers.on_search("rugby", "fr")
    assert rows == [] and note["visible"] and "« rugby »" in note["value"]
    assert selected == [] and selection == ""  # a new list: nothing of the former one stays selected
    rows, note, *_ = handlers.on_search("", "en")
    assert len(rows) == 2 and not note["visible"]
    confirm, _ = handlers.ask_delete(["vg", "pk"], "fr")
    assert confirm["visible"] and confirm["value"] == "Supprimer 2 article(s) : vg, pk"


def test_the_question_count_label_states_the_limits_the_evaluate_tab_enforces():
    from ui.evaluate import MAX_QUESTIONS

    for lang in ("fr", "en"):
        label = t(lang, "limit")
        assert f"1000 {'pour' if lang == 'fr' else 'for'}" in label and "30" in label and "0 =" not in label
    assert MAX_QUESTIONS == {"retrieval": 1000, "answer": 30}
