"""What goes into the archive: sources (files, folders, JSON/JSONL, PDF, HTML), web pages fetched safely, RSS/Atom
feeds, articles built and cleaned, near-duplicate wire copies, chunking, and indexing in atomic batches."""
