"""Helper run as a fresh process by the fault tests: what a reader of the store sees, printed as JSON.

Usage: python check_store.py DATA_DIR [QUERY]   (NEWSDESK_STORE_URL etc. come from the environment)
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rag.config import load_settings  # noqa: E402
from rag.errors import NewsdeskError  # noqa: E402
from rag.models import embedders  # noqa: E402
from rag.pipeline import build  # noqa: E402

from conftest import HashingEmbedder  # noqa: E402

embedders.REGISTRY["fake"] = lambda settings: HashingEmbedder()
data_dir = sys.argv[1]
settings = load_settings(
    {
        "embedder.backend": "fake",
        "llm.backend": "auto",
        "data_dir": data_dir,
        "retrieval.min_relevance": -100.0,
        "answer.topic_relevance": -100.0,
        "models_dir": str(Path(data_dir) / "models"),
    }
)
pipeline = build(settings)
try:
    records = pipeline.store.list_articles()
    broken = []
    for record in records:
        chunks = pipeline.store.chunks_of(record.article.id)
        whole = [c for c in chunks if c.content_hash == record.article.content_hash]
        if len(whole) != record.n_chunks or record.n_chunks == 0:
            broken.append(record.article.id)
    out = {
        "articles": len(records),
        "ids": sorted(r.article.id for r in records),
        "titles": sorted(r.article.title for r in records),
        "broken": broken,
        "chunk_records": pipeline.store.counts()[1],
    }
    if len(sys.argv) > 2:
        out["search"] = [h.chunk.article_id for h in pipeline.search(sys.argv[2], k=5).hits]
except NewsdeskError as exc:
    out = {"error": str(exc)}
print(json.dumps(out))
