"""With a login configured, every API and file route refuses anonymous requests."""

import httpx
import pytest

from rag.pipeline import build
from rag.settings import load_settings
from servers import free_port
from ui.app import launch

ROUTES = ["/config", "/gradio_api/info", "/gradio_api/queue/status", "/gradio_api/file=/etc/passwd"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("auth")
    settings = load_settings({"embedder.backend": "fake", "llm.backend": "fake", "ui.auth": "alice:s3cret", "ui.port": port,
                              "data_dir": str(data), "models_dir": str(data / "models")}, environ={})
    app = launch(build(settings), block=False)
    yield f"http://127.0.0.1:{port}"
    app.close()


def test_anonymous_requests_are_refused(server):
    for route in ROUTES:
        assert httpx.get(server + route).status_code == 401, route
    assert httpx.post(server + "/gradio_api/upload", files={"files": ("a.txt", b"hello")}).status_code == 401


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
    settings = load_settings({"embedder.backend": "fake", "llm.backend": "fake", "ui.port": port, "data_dir": str(data),
                              "models_dir": str(tmp_path / "models"), "ui.upload_limit_mb": 1}, environ={})
    app = launch(build(settings), block=False)
    try:
        response = httpx.post(f"http://127.0.0.1:{port}/gradio_api/upload",
                              files={"files": ("../../../../evil.txt", b"Un article.\n\nAvec du texte.")})
        assert response.status_code == 200
        (stored,) = response.json()
        from pathlib import Path

        assert Path(stored).resolve().is_relative_to((data / "uploads").resolve()), stored
        assert not (tmp_path / "evil.txt").exists()
        too_big = httpx.post(f"http://127.0.0.1:{port}/gradio_api/upload", files={"files": ("big.txt", b"x" * 2_000_000)})
        assert too_big.status_code >= 400
    finally:
        app.close()
