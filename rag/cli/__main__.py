"""``python -m rag.cli``: the ``newsdesk`` command."""

from rag.cli import main

main()
