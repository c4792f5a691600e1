"""The evaluation harness: question sets and suites, isolated cached indexes of their corpora, the baselines
(BM25, dense, plain RRF, llama-index's defaults), per-question rows, metrics with bootstrap intervals, and the
report (tables, plots, run comparisons)."""
