"""Helper run as a subprocess by the fault tests: a slow add (or a reindex) that reports each committed batch,
and can kill itself with SIGKILL at a named point of the store's write protocols.

Usage: python slow_add.py DATA_DIR FILE.jsonl [--reindex] [--die-at POINT[:N]] [--delay SECONDS]
  --die-at batch-pending:2   SIGKILL when the second batch is written but not committed
  --die-at swap-1-aside      SIGKILL in the middle of a reindex's swap
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rag.config import load_settings  # noqa: E402
from rag.models import embedders  # noqa: E402
from rag.pipeline import build  # noqa: E402
from rag.store import checkpoints  # noqa: E402

from conftest import HashingEmbedder  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("data_dir")
parser.add_argument("source")
parser.add_argument("--reindex", action="store_true")
parser.add_argument("--die-at", default="")
parser.add_argument("--delay", type=float, default=0.02)
args = parser.parse_args()


class SlowEmbedder(HashingEmbedder):
    def embed_documents(self, texts):
        time.sleep(args.delay * len(texts))  # like a real encoder
        return super().embed_documents(texts)


embedders.REGISTRY["slowfake"] = lambda settings: SlowEmbedder()
point, _, count = args.die_at.partition(":")
seen = {"n": 0}


def hook(name):
    if name == point:
        seen["n"] += 1
        if seen["n"] >= int(count or 1):
            print(f"dying at {name}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


checkpoints.set_hook(hook)
settings = load_settings(
    {
        "embedder.backend": "slowfake",
        "llm.backend": "auto",
        "data_dir": args.data_dir,
        "models_dir": str(Path(args.data_dir) / "models"),
    }
)  # NEWSDESK_STORE_URL etc. come from the environment


def progress(done, total, chunks):
    print(f"committed {done} {total} {chunks}", flush=True)


pipeline = build(settings)
if args.reindex:
    pipeline.reindex(progress=progress)
else:
    pipeline.add([args.source], progress=progress)
print("finished", flush=True)
