"""The web app's edges: a login on every route, Host and Origin checks, no serving beyond loopback without a login."""

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rag.config import load_settings
from rag.errors import ConfigError
from rag.pipeline import build
from ui.app import launch
from ui.guard import LOCAL_ONLY, is_public

from servers import free_port

# What stays reachable without a login (README, "Deployment"): the login page and the static files it is drawn with.
PUBLIC = {
    "/",
    "/login",
    "/login/",
    "/logout",
    "/favicon.ico",
    "/theme.css",
    "/gradio_api/theme.css",
    "/robots.txt",
    "/manifest.json",
    "/pwa_icon",
    "/assets/x",
    "/static/x",
    "/svelte/x",
    "/pwa_icon/x",
}


def app_routes(app):
    """Every (path, method) the running app serves, its path parameters filled in."""

    def walk(routes, prefix=""):
        for r in routes:
            if hasattr(r, "original_router"):
                yield from walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif hasattr(r, "path"):
                path = re.sub(r"\{[^}]+\}", "x", prefix + r.path)
                for method in sorted(getattr(r, "methods", None) or ["GET"]):
                    yield path, method

    return sorted(set(walk(app.app.routes)))


ROUTES = ["/config", "/gradio_api/info", "/gradio_api/queue/status", "/gradio_api/file=/etc/passwd"]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("auth")
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ui.auth": "alice:s3cret",
            "ui.port": port,
            "data_dir": str(data),
            "models_dir": str(data / "models"),
        },
        environ={},
    )
    app = launch(build(settings), block=False)
    yield app, f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture(scope="module")
def server(running):
    return running[1]


def test_anonymous_requests_are_refused(server):
    for route in ROUTES:
        assert httpx.get(server + route).status_code == 401, route
    assert httpx.post(server + "/gradio_api/upload", files={"files": ("a.txt", b"hello")}).status_code == 401


def test_every_route_of_the_app_needs_the_login_but_the_login_page(running):
    app, server = running
    routes = app_routes(app)
    assert len(routes) > 60  # the sweep covers the whole app, not a list of known routes
    with httpx.Client(base_url=server, timeout=10) as client:
        for path, method in routes:
            if path in LOCAL_ONLY:
                continue  # Gradio's own start-up call, answered only to this machine
            status = client.request(method, path).status_code
            if is_public(path):
                assert path in PUBLIC, f"{path} is public but not documented"
            else:
                assert status == 401, f"{method} {path} answered {status} without a login"
        assert client.get("/openapi.json").status_code == 401


def test_wrong_password_refused_right_one_accepted(server):
    bad = httpx.Client()
    bad.post(server + "/login", data={"username": "alice", "password": "nope"})
    assert bad.get(server + "/config").status_code == 401
    good = httpx.Client()
    assert good.post(server + "/login", data={"username": "alice", "password": "s3cret"}).status_code == 200
    assert good.get(server + "/config").status_code == 200


def test_binds_to_loopback_by_default():
    assert load_settings(environ={}).ui.host == "127.0.0.1"


def test_uploads_stay_inside_the_data_directory(tmp_path):
    port = free_port()
    data = tmp_path / "data"
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ui.port": port,
            "data_dir": str(data),
            "models_dir": str(tmp_path / "models"),
            "ui.upload_limit_mb": 1,
        },
        environ={},
    )
    app = launch(build(settings), block=False)
    try:
        response = httpx.post(
            f"http://127.0.0.1:{port}/gradio_api/upload",
            files={"files": ("../../../../evil.txt", b"Un article.\n\nAvec du texte.")},
        )
        assert response.status_code == 200
        (stored,) = response.json()
        from pathlib import Path

        assert Path(stored).resolve().is_relative_to((data / "uploads").resolve()), stored
        assert not (tmp_path / "evil.txt").exists()
        too_big = httpx.post(
            f"http://127.0.0.1:{port}/gradio_api/upload", files={"files": ("big.txt", b"x" * 2_000_000)}
        )
        assert too_big.status_code >= 400
    finally:
        app.close()


def test_loopback_app_refuses_other_host_names_and_cross_origin_requests(tmp_path):
    port = free_port()
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ui.port": port,
            "data_dir": str(tmp_path / "data"),
            "models_dir": str(tmp_path / "models"),
        },
        environ={},
    )
    app = launch(build(settings), block=False)
    try:
        url = f"http://127.0.0.1:{port}/config"
        assert httpx.get(url).status_code == 200
        assert httpx.get(url, headers={"Host": f"localhost:{port}"}).status_code == 200
        # A page on evil.example whose name now resolves to 127.0.0.1 (DNS rebinding) sends its own name.
        assert httpx.get(url, headers={"Host": f"evil.example:{port}"}).status_code == 400
        assert (
            httpx.post(
                f"http://127.0.0.1:{port}/gradio_api/queue/join", json={}, headers={"Origin": "http://evil.example"}
            ).status_code
            == 403
        )
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 404
    finally:
        app.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::"])
def test_serving_beyond_loopback_without_a_login_is_refused(tmp_path, host):
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ui.host": host,
            "ui.port": free_port(),
            "data_dir": str(tmp_path / "data"),
            "models_dir": str(tmp_path / "models"),
        },
        environ={},
    )
    with pytest.raises(ConfigError, match="NEWSDESK_UI_AUTH"):
        launch(build(settings), block=False)


def test_ui_command_on_all_interfaces_without_a_login_is_a_one_line_error(tmp_path):
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "newsdesk"),
            "--data-dir",
            str(tmp_path / "data"),
            "ui",
            "--host",
            "0.0.0.0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "NEWSDESK_UI_AUTH" in result.stderr


def test_the_web_page_box_fetches_only_web_addresses(tmp_path):
    """Through the official client: a server path typed in the address box reads nothing, says nothing of the path."""
    from gradio_client import Client

    port = free_port()
    notes = tmp_path / "private"
    notes.mkdir()
    (notes / "notes.txt").write_text("Mot de passe du serveur : hunter2. " * 20)
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ui.port": port,
            "data_dir": str(tmp_path / "data"),
            "models_dir": str(tmp_path / "models"),
        },
        environ={},
    )
    pipeline = build(settings)
    app = launch(pipeline, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        replies = [
            client.predict(address, "fr", api_name="/on_url")[0]
            for address in (str(notes), str(notes / "nope"), "/", "file:///etc/passwd")
        ]
        assert all("http://" in r and "https://" in r for r in replies)
        assert len({r.split("\n", 1)[1] for r in replies}) == 1  # the same refusal, whether the path exists or not
        assert pipeline.store.list_articles() == []
    finally:
        app.close()


def test_with_a_login_each_user_sees_only_their_own_conversations(tmp_path):
    from gradio_client import Client

    from rag.answer.conversations import ConversationStore

    port = free_port()
    data = tmp_path / "data"
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "retrieval.min_relevance": -100.0,
            "answer.topic_relevance": -100.0,
            "ui.auth": str(_users(tmp_path)),
            "ui.port": port,
            "data_dir": str(data),
            "models_dir": str(tmp_path / "models"),
        },
        environ={},
    )
    pipeline = build(settings)
    pipeline.add_text("La pêche au thon reprend à Sète après la tempête. Les pêcheurs sont soulagés.", source="test")
    app = launch(pipeline, block=False)
    try:
        alice = Client(f"http://127.0.0.1:{port}/", auth=("alice", "s3cret"), verbose=False)
        alice.predict("Où la pêche au thon reprend-elle ?", [], "", "", [], [], api_name="/ask")
        mine = ConversationStore(data, "alice").list()
        assert len(mine) == 1
        assert ConversationStore(data, "bob").list() == [] and ConversationStore(data).list() == []
        bob = Client(f"http://127.0.0.1:{port}/", auth=("bob", "hunter22"), verbose=False)
        try:
            shown = bob.predict(mine[0].id, "fr", api_name="/reopen")
        except Exception as exc:  # gradio_client's AppError: the id is not among bob's saved conversations
            shown = str(exc)
        assert "thon" not in str(shown)  # alice's conversation id opens nothing for bob
    finally:
        app.close()


def _users(tmp_path):
    path = tmp_path / "users.txt"
    path.write_text("alice:s3cret\nbob:hunter22\n")
    return path
