from rag.ingest.articles import make_article
from rag.ingest.chunking import chunk_article, chunk_header
from rag.text.sentences import split_sentences


def sentences(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_french_punctuation_abbreviations_and_numbers():
    text = (
        "M. Dupont a dit « Non. » Puis il est parti. Le taux est de 3,5 %. Il vaut 3.5 dollars. "
        "Voir J. K. Rowling et Mme Durand, des pommes, etc. et des poires. Vraiment ? Oui !\nTitre sans point\n"
        "Dr. Smith arrived in the U.S. Army. He left."
    )
    assert sentences(text) == [
        "M. Dupont a dit « Non. »",
        "Puis il est parti.",
        "Le taux est de 3,5 %.",
        "Il vaut 3.5 dollars.",
        "Voir J. K. Rowling et Mme Durand, des pommes, etc. et des poires.",
        "Vraiment ?",
        "Oui !",
        "Titre sans point",
        "Dr. Smith arrived in the U.S. Army.",
        "He left.",
    ]


def test_spans_are_exact_offsets():
    text = "  Première phrase.   Deuxième phrase !\n\nTroisième ?  "
    for s, e in split_sentences(text):
        assert text[s:e] == text[s:e].strip() and text[s:e]


def count_words(text):
    return len(text.split())


def article(text, **kw):
    return make_article(
        text=text, title=kw.pop("title", "Titre"), id="a1", date="2024-03-12", source="Le Monde", lang="fr", **kw
    )


def test_chunks_cover_text_with_offsets_and_overlap():
    body = " ".join(f"Phrase numéro {i} avec quelques mots de plus." for i in range(60))
    a = article(body)
    chunks = chunk_article(a, count_words, target_tokens=40, overlap_tokens=8, max_tokens=60)
    assert len(chunks) > 5
    for n, c in enumerate(chunks):
        assert c.id == f"a1:{n}" and c.n == n
        assert a.text[c.start : c.end] == c.text
        assert count_words(c.header) + count_words(c.text) <= 60
    # consecutive chunks overlap by whole sentences
    assert all(chunks[i + 1].start < chunks[i].end for i in range(len(chunks) - 1))
    # every sentence is in some chunk
    for s, e in split_sentences(a.text):
        assert any(c.start <= s and e <= c.end for c in chunks)


def test_overlong_sentence_is_cut_at_words_not_truncated():
    body = "mot " * 500 + "fin."
    a = article(body)
    chunks = chunk_article(a, count_words, target_tokens=100, overlap_tokens=0, max_tokens=120)
    assert all(count_words(c.header) + count_words(c.text) <= 120 for c in chunks)
    assert sum(count_words(c.text) for c in chunks) == 501


def test_header_has_title_date_source():
    assert chunk_header(article("Texte.", title="Grève à Paris")) == "Grève à Paris (2024-03-12, Le Monde)"
