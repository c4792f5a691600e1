"""Eight concurrent chat sessions through the real web server (fast fakes for the models)."""

import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_concurrent_sessions_all_answered_none_crossed(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from load import run_load, serve

    from servers import free_port

    port = free_port()
    app = serve(fake=True, data=tmp_path, port=port)
    try:
        result = run_load(f"http://127.0.0.1:{port}/", sessions=8, seconds=20)
    finally:
        app.close()
    assert result["errors"] == [] and result["crossings"] == []
    assert all(n >= 2 for n in result["per_session"]), result  # every session got answers, follow-ups included
    assert result["latency_p95_s"] is not None
