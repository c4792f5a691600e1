"""Helper run as a subprocess by the crash test: a slow add that reports each committed batch.

Usage: python slow_add.py DATA_DIR FILE.jsonl
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import HashingEmbedder  # noqa: E402

from rag import embedders  # noqa: E402
from rag.pipeline import build  # noqa: E402
from rag.settings import load_settings  # noqa: E402


class SlowEmbedder(HashingEmbedder):
    def embed_documents(self, texts):
        time.sleep(0.02 * len(texts))  # like a real encoder: the kill lands while a batch is being written
        return super().embed_documents(texts)


embedders.REGISTRY["slowfake"] = lambda settings: SlowEmbedder()
data_dir, source = sys.argv[1], sys.argv[2]
settings = load_settings({"embedder.backend": "slowfake", "llm.backend": "auto", "data_dir": data_dir,
                          "models_dir": str(Path(data_dir) / "models")})  # NEWSDESK_STORE_URL etc. come from the environment


def progress(done, total, chunks):
    print(f"committed {done} {total} {chunks}", flush=True)


build(settings).add([source], progress=progress)
print("finished", flush=True)
