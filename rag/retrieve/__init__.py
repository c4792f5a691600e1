"""From a question to ranked passages: query planning (follow-ups, time phrases), dense and BM25 candidates, their
fusion, post-processing stages (near-duplicates, per-article cap, optional rescoring, recency) and calibrated
relevance."""
