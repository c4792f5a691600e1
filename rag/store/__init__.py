"""Where the archive lives: Chroma (embedded or a server) holding chunk vectors and the article catalogue.

``index`` reads; ``writes`` is the commit protocol (pending, chunks, read back, commit; leased, so concurrent
writers never undo each other); ``rebuild`` swaps a reindexed copy in recoverably; ``guard`` refuses mixed vector
spaces; ``locking`` keeps the embedded store to one writing process; ``records`` maps records to metadata.
"""
