"""The real page in headless Chromium (Playwright), on the real pipeline and the default 1.5B model."""

import json
import socket
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newest(folder: Path) -> Path:
    return max(folder.rglob("*.json"), key=lambda p: p.stat().st_mtime)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from rag.config import load_settings
    from rag.pipeline import build
    from ui.app import launch

    data = tmp_path_factory.mktemp("ui")
    port = free_port()
    settings = load_settings(
        {
            "llm.backend": "llamacpp",
            "llm.model": "qwen2.5-coder-1.5b-instruct",
            "data_dir": str(data),
            "ui.port": port,
            "llm.max_tokens": 160,
        },
        environ={},
    )
    pipeline = build(settings)
    pipeline.add([ROOT / "corpus"])
    app = launch(pipeline, block=False)
    yield {"url": f"http://127.0.0.1:{port}/", "pipeline": pipeline, "data": data}
    app.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found — `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(
        viewport={"width": 1366, "height": 900},
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    page = context.new_page()
    page.requests = []
    page.dialogs = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(server["url"])
    page.wait_for_selector("#nd-question textarea")
    yield page
    context.close()


def test_french_question_streams_an_answer_with_a_citation_that_opens_its_passage(page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    # Labels follow the browser's language.
    page.wait_for_function("document.querySelector('#nd-send').innerText.trim() === 'Envoyer'")
    page.fill("#nd-question textarea", "Pourquoi la Chine est-elle importante pour la Russie selon l'article ?")
    page.keyboard.press("Enter")
    chat = page.locator("#nd-chat")
    # Streaming: sentences appear one by one, each already checked and cited: no answer text without its chip.
    snapshots = []
    for _ in range(900):
        answer = page.locator("#nd-chat .nd-answer")
        if answer.count():
            snapshots.append((answer.last.inner_text(), answer.last.locator("a.nd-chip").count()))
        if page.locator("#nd-sources-panel .nd-source").count():
            break
        page.wait_for_timeout(200)
    assert page.locator("#nd-chat a.nd-chip").count() >= 1, chat.inner_text()
    assert snapshots and all(chips >= 1 for text, chips in snapshots if text.strip()), snapshots
    answer = page.locator("#nd-chat .nd-answer").last.inner_text()
    from rag.text.language import detect_answer

    assert detect_answer(answer) == "fr", answer
    saved = json.loads(newest(server["data"] / "conversations").read_text())
    last = saved["turns"][-1]["answer"]
    assert 1 <= sum(s["supported"] for s in last["sentences"]) <= 3 and "txt" not in last["answer"]
    chip = page.locator("#nd-chat a.nd-chip").first
    target = chip.get_attribute("href").lstrip("#")
    chip.click()
    details = page.locator(f"details#{target}")
    page.wait_for_function(f"document.getElementById('{target}').open === true")
    assert "Coopération" in details.inner_text()
    assert details.locator("blockquote").inner_text().strip()
    page.screenshot(path=str(ARTIFACTS / "chat-fr.png"), full_page=True)
    # Only our own server is contacted: no remote fonts, scripts or analytics.
    assert all(u.startswith(server["url"]) or u.startswith("data:") or u.startswith("blob:") for u in page.requests), [
        u for u in page.requests if not u.startswith(server["url"])
    ]


def test_upload_find_delete_and_titles_render_as_text(page, server, tmp_path):
    xss = "<img src=x onerror=alert(1)>"
    upload = tmp_path / "hostile.jsonl"
    upload.write_text(
        json.dumps(
            {
                "id": "xss-1",
                # a title given as HTML is read as text (its tags dropped, its references read): this one reads as
                # the markup itself, which the page must show as text
                "title": "&lt;img src=x onerror=alert(1)&gt;",
                "text": "Un article piégé. " * 20 + "<script>alert(2)</script>",
                "date": "2024-01-02",
                "source": "<b>Evil</b>",
                "url": "javascript:alert(3)",
                "lang": "fr",
            }
        )
        + "\n"
    )
    page.click("#nd-tab-corpus-button") if page.locator("#nd-tab-corpus-button").count() else page.get_by_role(
        "tab", name="Articles"
    ).click()
    with page.expect_file_chooser() as chooser:  # the upload button opens the system's file dialog
        page.click("#nd-upload")
    chooser.value.set_files(str(upload))
    page.wait_for_function(
        "document.querySelector('#nd-add-summary') && "
        "document.querySelector('#nd-add-summary').innerText.includes('1 ajoutés')",
        timeout=60000,
    )
    page.wait_for_function("document.querySelector('#nd-articles').innerText.includes('xss-1')")  # list refreshed
    page.fill("#nd-article-search input", "onerror")
    page.wait_for_timeout(1500)
    table = page.locator("#nd-articles")
    assert xss in table.inner_text() and "Vendée" not in table.inner_text()  # the search's rows only
    assert not page.locator("#nd-search-note").is_visible()
    page.locator("#nd-articles .virtual-row").first.locator(".body-cell").nth(1).click()
    page.wait_for_function(
        "document.querySelector('#nd-reader') && document.querySelector('#nd-reader').innerText.includes('piégé')"
    )
    assert page.locator("#nd-reader img").count() == 0 and page.locator("#nd-reader script").count() == 0
    assert "<script>alert(2)</script>" in page.locator("#nd-reader").inner_text()
    page.screenshot(path=str(ARTIFACTS / "corpus-fr.png"), full_page=True)
    page.click("#nd-delete")
    page.wait_for_function("(document.querySelector('#nd-confirm-delete') || {}).innerText?.includes('xss-1')")
    assert page.locator("#nd-confirm-delete").inner_text().startswith("Supprimer 1 article")  # it says what goes
    page.click("#nd-confirm-delete")
    page.wait_for_timeout(1500)
    assert xss not in page.locator("#nd-articles").inner_text()
    assert "xss-1" not in server["pipeline"].store.get_articles(["xss-1"])
    assert page.dialogs == []  # nothing executed


def test_english_labels_and_toggle(browser, server):
    context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    page.goto(server["url"])
    page.wait_for_selector("#nd-question textarea")
    page.wait_for_function("document.querySelector('#nd-send').innerText.trim() === 'Send'")
    page.get_by_label("Français").check()
    page.wait_for_function("document.querySelector('#nd-send').innerText.trim() === 'Envoyer'")
    page.screenshot(path=str(ARTIFACTS / "chat-toggle.png"))
    context.close()


def open_page(browser, server, lang: str, width: int):
    """A new browser context in ``lang`` at ``width`` px, on the page once it is ready."""
    context = browser.new_context(
        viewport={"width": width, "height": 1000},
        locale=f"{lang}-{lang.upper()}",
        extra_http_headers={"Accept-Language": f"{lang};q=0.9"},
    )
    page = context.new_page()
    page.goto(server["url"])
    page.wait_for_selector("#nd-question textarea")
    return context, page


@pytest.mark.parametrize(
    "lang, week, headers, none_found, refused",
    [
        (
            "fr",
            "cette semaine",
            ["id", "titre", "date", "source", "langue", "passages"],
            "Aucun titre",
            "adresse privée",
        ),
        ("en", "this week", ["id", "title", "date", "source", "lang.", "passages"], "No title", "private or local"),
    ],
)
def test_labels_choices_headers_and_refusals_follow_the_language_and_title_search_ignores_accents(
    browser, server, lang, week, headers, none_found, refused
):
    context, page = open_page(browser, server, lang, width=420)
    page.locator("#nd-filters button").first.click()  # the filters are folded at first
    page.wait_for_function("w => (document.querySelector('#nd-period') || {}).innerText?.includes(w)", arg=week)
    title = page.locator("#nd-title h2")
    height = title.evaluate("h => h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight)")
    assert height < 1.5  # "Newsdesk" on one line at 420 px
    page.screenshot(path=str(ARTIFACTS / f"chat-{lang}-420.png"))
    page.get_by_role("tab").nth(1).click()
    page.fill("#nd-article-search input", "vendee globe")
    page.wait_for_function("document.querySelector('#nd-articles').innerText.includes('Vendée Globe')")
    shown = page.locator("#nd-articles").inner_text()
    assert [h for h in headers if h in shown] == headers and "Coopération" not in shown
    page.fill("#nd-article-search input", "zzzz")
    page.wait_for_selector("#nd-search-note", state="visible")
    assert none_found in page.locator("#nd-search-note").inner_text()
    page.click("#nd-url-box .label-wrap")  # folded at first
    page.fill("#nd-url input", "http://127.0.0.1:9/page.html")  # refused by the core, said in the page's language
    page.click("#nd-add-url")
    page.wait_for_function("w => (document.querySelector('#nd-add-summary') || {}).innerText?.includes(w)", arg=refused)
    assert "ingest.allow_private_urls" in page.locator("#nd-add-summary").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"articles-{lang}-420.png"), full_page=True)
    context.close()


@pytest.mark.parametrize(
    "lang, welcome, passed_header", [("fr", "Posez une question", "réussi"), ("en", "Ask a question", "passed")]
)
def test_welcome_examples_and_an_evaluation_run_in_the_page_language(
    browser, server, tmp_path, lang, welcome, passed_header
):
    context, page = open_page(browser, server, lang, width=1366)
    page.wait_for_function("w => document.querySelector('#nd-chat').innerText.includes(w)", arg=welcome)
    examples = page.locator("#nd-examples").inner_text()
    assert "…" not in examples and "..." not in examples  # whole questions, not cut headlines
    page.get_by_role("tab").nth(3).click()  # chat, articles, timeline, evaluate
    questions = tmp_path / "three.jsonl"
    questions.write_text("".join((ROOT / "evals" / "seed.jsonl").read_text(encoding="utf-8").splitlines(True)[:3]))
    with page.expect_file_chooser() as chooser:
        page.click("#nd-eval-upload")
    chooser.value.set_files(str(questions))
    page.wait_for_function("document.querySelector('#nd-eval-files').innerText.includes('three.jsonl')")
    page.fill("#nd-eval-limit input", "5")
    page.click("#nd-eval-run")
    page.wait_for_function("document.querySelector('#nd-eval-metrics').innerText.includes('mrr@10')", timeout=300000)
    assert passed_header in page.locator("#nd-eval-questions").inner_text()
    assert (
        page.locator("#nd-eval-status").inner_text().startswith("3 questions")
    )  # the uploaded set, against the archive
    page.wait_for_function("!document.querySelector('#nd-eval-files').innerText.includes('three.jsonl')")  # read once
    page.screenshot(path=str(ARTIFACTS / f"evaluate-{lang}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("lang, tab, count", [("fr", "Chronologie", "histoire(s)"), ("en", "Timeline", "story(ies)")])
def test_timeline_lists_stories_and_a_lead_sentence_opens_its_article_highlighted(browser, server, lang, tab, count):
    context, page = open_page(browser, server, lang, width=1366)
    page.get_by_role("tab", name=tab).click()
    page.fill("#nd-timeline-query textarea, #nd-timeline-query input", "Russie Chine")
    page.click("#nd-timeline-run")
    page.wait_for_function("w => document.querySelector('#nd-timeline-note').innerText.includes(w)", arg=count)
    rows = page.locator("#nd-timeline .virtual-row")
    assert rows.count() >= 1
    seed_row = rows.filter(has_text="Russie").first
    seed_row.locator(".body-cell").nth(3).click()
    page.wait_for_selector("#nd-timeline-reader mark")
    marked = page.locator("#nd-timeline-reader mark").inner_text()
    assert "Russie" in marked or "Chine" in marked  # the sentence that matched, inside its article
    page.screenshot(path=str(ARTIFACTS / f"timeline-{lang}.png"), full_page=True)
    context.close()


def test_whats_new_streams_one_cited_sentence_per_story_of_the_archives_last_days(page, server):
    page.click("#nd-brief")
    page.wait_for_selector("#nd-chat .nd-brief-item .nd-chip", timeout=240000)
    page.wait_for_function(
        "document.querySelectorAll('#nd-chat .nd-brief-item').length >= 1 && "
        "!document.querySelector('#nd-chat').innerText.includes('Recherche dans l')",
        timeout=240000,
    )
    assert "Quoi de neuf depuis le" in page.locator("#nd-chat").inner_text()
    page.wait_for_timeout(3000)  # the last story's update has landed
    items = page.locator("#nd-chat .nd-brief-item")
    for k in range(items.count()):
        assert items.nth(k).locator(".nd-chip").count() >= 1  # every story's sentence cites its passage
    chips = page.locator("#nd-chat .nd-brief-item .nd-chip")
    for k in range(chips.count()):  # every chip opens a source that exists
        target = chips.nth(k).get_attribute("href").lstrip("#")
        assert page.locator(f"[id='{target}']").count() == 1
    chips.first.click()
    page.wait_for_selector("#nd-sources-panel details[open]")
    page.screenshot(path=str(ARTIFACTS / "briefing-fr.png"), full_page=True)
    page.fill("#nd-question textarea", "Quoi de neuf depuis hier ?")  # asked in words: a briefing of today's news
    page.click("#nd-send")
    page.wait_for_function(  # after the briefing above (one model at a time)
        "document.querySelector('#nd-chat').innerText.includes('Rien de nouveau dans cette période')", timeout=240000
    )
