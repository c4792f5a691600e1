"""Text, with no I/O and nothing else of the package: cleaning, languages, dates and time phrases, sentences
with exact offsets, word analysis (stems, stop words) and shingles. Everything above reads text through these."""
