"""Load test of the web chat: N concurrent sessions for a fixed time, on loopback, stopping by itself.

Each session has its own browser-like client (its own session state) and asks
its own questions, with follow-ups. Reports requests answered, errors,
latency (p50/p95, queue wait included) and whether any answer or history
crossed into another session.

    .venv/bin/python bench/load.py --sessions 8 --seconds 120            # the real 0.5B model
    .venv/bin/python bench/load.py --sessions 8 --seconds 20 --fake      # fast fakes (the CI test)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTIONS = [
    ("Pourquoi la Chine est-elle importante pour la Russie ?", "Et les États-Unis ?"),
    ("Quand la capsule Dragon a-t-elle été lancée ?", "Et avec quelle fusée ?"),
    ("Pourquoi la Wikipédia en russe était-elle en grève ?", "Et combien de temps ?"),
    ("Qui a été élu président en Égypte en 2012 ?", "Et avec quel score ?"),
    ("What did Beijing say about the Paris Agreement?", "And about sanctions?"),
    ("Combien de Philippins ont dû être évacués ?", "Et à cause de quel typhon ?"),
    ("Que s'est-il passé au mont Maudit ?", "Et combien de morts ?"),
    ("Which company opened its largest factory in Indonesia?", "And how many jobs?"),
]


def _text(content) -> str:
    """Message content as text (Gradio may send a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    return str(content)


def run_load(url: str, sessions: int, seconds: float) -> dict:
    from gradio_client import Client

    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    errors: list[str] = []
    crossings: list[str] = []
    answered = [0] * sessions
    lock = threading.Lock()

    def session(i: int) -> None:
        client = Client(url, verbose=False, download_files=False)
        first, follow = QUESTIONS[i % len(QUESTIONS)]
        tag = f"[s{i}]"
        history: list = []
        n = 0
        while time.monotonic() < stop_at:
            question = f"{first if n % 2 == 0 else follow} {tag}"
            started = time.monotonic()
            try:
                result = client.predict(question, history, "", "", [], [], api_name="/ask")
            except Exception as exc:  # an HTTP 500 or a broken queue shows up here
                with lock:
                    errors.append(f"s{i}: {type(exc).__name__}: {str(exc)[:120]}")
                break
            elapsed = time.monotonic() - started
            history = result[0]
            users = [_text(m["content"]) for m in history if m["role"] == "user"]
            foreign = [u for u in users if not u.endswith(tag)]
            with lock:
                latencies.append(elapsed)
                answered[i] += 1
                if foreign:
                    crossings.append(f"s{i} saw {foreign[:2]}")
            n += 1

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 600)
    import numpy as np

    return {
        "sessions": sessions,
        "seconds": seconds,
        "answered": sum(answered),
        "per_session": answered,
        "errors": errors,
        "crossings": crossings,
        "latency_p50_s": float(np.percentile(latencies, 50)) if latencies else None,
        "latency_p95_s": float(np.percentile(latencies, 95)) if latencies else None,
    }


def serve(fake: bool, data: Path, port: int):
    from rag.config import load_settings
    from rag.pipeline import build
    from ui.app import launch

    cli = {"data_dir": str(data), "ui.port": port, "llm.max_tokens": 120}
    if fake:
        sys.path.insert(0, str(ROOT / "tests"))
        from rag.models import embedders, llms

        import conftest

        embedders.REGISTRY["fake"] = lambda s: conftest.HashingEmbedder()
        llms.REGISTRY["fake"] = lambda s: conftest.ScriptedLLM()
        cli.update(
            {
                "embedder.backend": "fake",
                "llm.backend": "fake",
                "retrieval.min_relevance": -100.0,
                "models_dir": str(data / "models"),
            }
        )
    else:
        cli.update({"llm.backend": "llamacpp", "llm.model": "qwen2.5-coder-0.5b-instruct"})
    pipeline = build(load_settings(cli, environ={}))
    pipeline.add([ROOT / "corpus"])
    return launch(pipeline, block=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--fake", action="store_true", help="fake embedder and LLM (tests the server, not the models)")
    args = parser.parse_args()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = serve(args.fake, Path(tempfile.mkdtemp(prefix="nd-load-")), port)
    try:
        result = run_load(f"http://127.0.0.1:{port}/", args.sessions, args.seconds)
    finally:
        app.close()
    print(
        f"{result['sessions']} sessions for {result['seconds']:.0f} s: {result['answered']} answers "
        f"(per session {result['per_session']}), {len(result['errors'])} errors, {len(result['crossings'])} crossings, "
        f"latency p50 {result['latency_p50_s'] or 0:.1f} s, p95 {result['latency_p95_s'] or 0:.1f} s (queue wait "
        f"included)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
