"""One family of errors. Every message says how to fix the problem.

The CLI prints them as a single line (tracebacks only with ``--debug``); the UI
shows them as warnings. Raise these for anything a user can cause or fix.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class: a problem the user can fix; the message names the fix."""


class ConfigError(NewsdeskError):
    """Invalid settings, unknown preset or backend."""


class ModelError(NewsdeskError):
    """A model is missing, corrupt, or cannot be provisioned or loaded."""


class BackendUnavailable(NewsdeskError):
    """A server (Ollama, OpenAI-compatible, Chroma) cannot be reached."""


class StoreError(NewsdeskError):
    """The index is empty, inconsistent, or was built with another embedder."""


class IngestError(NewsdeskError):
    """One input could not be turned into an article (reported, batch goes on)."""


class QuestionError(NewsdeskError):
    """The question itself is unusable (empty, too long)."""
