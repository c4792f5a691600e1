"""Newsdesk: French and English questions about a news archive, answered with checkable citations.

The layers, top to bottom (each imports only from the ones below it):

- surfaces: ``rag.cli`` (the ``newsdesk`` command) and the web app (``ui``), through this facade;
- services: ``rag.pipeline`` wires ``rag.corpus`` (what goes in) and ``rag.questions`` (what comes out);
  ``rag.evals`` scores them;
- stages: ``rag.ingest`` (sources, fetching, feeds, chunking, indexing), ``rag.retrieve`` (BM25, fusion,
  post-processing, query planning), ``rag.answer`` (passages, prompt, support, citations, conversations);
- resources: ``rag.store`` (Chroma, the write protocol, rebuilds, backups) and ``rag.models``
  (embedders, LLMs, presets and provisioning);
- pure core: ``rag.text`` (cleaning, languages, dates, sentences, word analysis), ``rag.types``,
  ``rag.errors``, ``rag.problems`` (their words in French and English), ``rag.settings``, ``rag.lazy``.

This module is the public facade: the names below load their module on first
use, so ``import rag`` imports no network or model library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Newsdesk": "rag.api",
    "Message": "rag.types",
    "Filters": "rag.types",
    "Answer": "rag.types",
    "build": "rag.pipeline",
    "Pipeline": "rag.pipeline",
    "Settings": "rag.settings",
    "load_settings": "rag.config",
    "with_overrides": "rag.config",
    "IngestReport": "rag.ingest.indexing",
    "HTTP_URL": "rag.corpus",
    "SUPPORTED_SUFFIXES": "rag.ingest.sources",
    "FeedList": "rag.ingest.feeds",
    "opml_feeds": "rag.ingest.feeds",
    "Conversation": "rag.answer.conversations",
    "ConversationStore": "rag.answer.conversations",
    "format_date": "rag.text.dates",
    "t": "rag.i18n",
    "localize": "rag.problems",
    "browser_lang": "rag.i18n",
    "strip_controls": "rag.text.cleaning",
    "fold": "rag.text.names",
    "topic": "rag.text.names",
    "matched_sentence": "rag.text.analysis",
    "detect_question": "rag.text.language",
    "backup": "rag.archive",
    "restore": "rag.archive",
    "hold_data_dir": "rag.store.locking",
    "EvalConfig": "rag.evals.questions",
    "load_suite": "rag.evals.questions",
    "run_eval": "rag.evals.harness",
    "EVAL_PRESETS": "rag.evals.baselines",
    "plots": "rag.evals.plots",
    "HEADLINE_KEYS": "rag.evals.metrics",
    "passed": "rag.evals.metrics",
    "read_results": "rag.evals.report",
    "compare": "rag.evals.report",
    "EMBEDDER_PRESETS": "rag.models.catalog",
    "LLM_PRESETS": "rag.models.catalog",
    "list_models": "rag.models.catalog",
    "provision_preset": "rag.models.catalog",
}
__all__ = [
    "Newsdesk",
    "Message",
    "Filters",
    "Answer",
    "HEADLINE_KEYS",
    "passed",
    "browser_lang",
    "t",
    "localize",
    "detect_question",
    "Conversation",
    "ConversationStore",
    "EMBEDDER_PRESETS",
    "EVAL_PRESETS",
    "EvalConfig",
    "FeedList",
    "HTTP_URL",
    "IngestReport",
    "LLM_PRESETS",
    "Pipeline",
    "SUPPORTED_SUFFIXES",
    "Settings",
    "backup",
    "build",
    "compare",
    "fold",
    "format_date",
    "hold_data_dir",
    "list_models",
    "load_settings",
    "load_suite",
    "matched_sentence",
    "opml_feeds",
    "plots",
    "provision_preset",
    "read_results",
    "restore",
    "run_eval",
    "strip_controls",
    "topic",
    "with_overrides",
]

if TYPE_CHECKING:
    from rag.answer.conversations import Conversation, ConversationStore
    from rag.api import Newsdesk
    from rag.archive import backup, restore
    from rag.config import load_settings, with_overrides
    from rag.corpus import HTTP_URL
    from rag.evals.baselines import EVAL_PRESETS
    from rag.evals.harness import run_eval
    from rag.evals.metrics import HEADLINE_KEYS, passed
    from rag.evals.plots import plots
    from rag.evals.questions import EvalConfig, load_suite
    from rag.evals.report import compare, read_results
    from rag.i18n import browser_lang, t
    from rag.ingest.feeds import FeedList, opml_feeds
    from rag.ingest.indexing import IngestReport
    from rag.ingest.sources import SUPPORTED_SUFFIXES
    from rag.models.catalog import EMBEDDER_PRESETS, LLM_PRESETS, list_models, provision_preset
    from rag.pipeline import Pipeline, build
    from rag.problems import localize
    from rag.settings import Settings
    from rag.store.locking import hold_data_dir
    from rag.text.analysis import matched_sentence
    from rag.text.cleaning import strip_controls
    from rag.text.dates import format_date
    from rag.text.language import detect_question
    from rag.text.names import fold, topic
    from rag.types import Answer, Filters, Message


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
