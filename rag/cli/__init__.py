"""The ``newsdesk`` command: one click group (``app``) and its commands, one module per subject.

Thin: commands parse flags, call the pipeline and format what it returns.
"""

from rag.cli import ask, corpus, evals, feeds, mcp, models, stories  # noqa: F401  (each registers its commands on ``main``)
from rag.cli.app import main

__all__ = ["main"]
