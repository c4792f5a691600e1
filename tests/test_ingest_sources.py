"""Every way news arrives: web pages, feeds, HTML and PDF files, standard input."""

import json
import logging

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.config import load_settings
from rag.errors import IngestError
from rag.ingest.feeds import FeedList
from rag.pipeline import build
from rag.types import Article

from site_server import Site

FAKES = ["--set", "embedder.backend=fake", "--set", "llm.backend=fake", "--set", "ingest.allow_private_urls=true"]


@pytest.fixture(scope="module")
def site():
    with Site() as s:
        yield s


@pytest.fixture
def pipeline(tmp_path):
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ingest.allow_private_urls": True,
            "ingest.fetch_timeout_s": 2,
            "ingest.max_fetch_mb": 1,
            "models_dir": str(tmp_path / "m"),
        },
        environ={"NEWSDESK_DATA_DIR": str(tmp_path / "data")},
    )
    return build(settings)


def cli(*args, input=None):
    return CliRunner().invoke(main, [*FAKES, *args], input=input, catch_exceptions=False)


def test_url_is_fetched_and_extracted(pipeline, site):
    report = pipeline.add([f"{site.base}/2025/01/21/poutine-xi.html"])
    assert len(report.added) == 1 and not report.rejected
    record = pipeline.store.get_articles(report.added)[report.added[0]]
    a = record.article
    assert a.title == "Coopération: échange entre Vladimir Poutine et Xi Jinping"
    assert a.date == "2025-01-21" and a.source == "Le Courrier International Local" and a.lang == "fr"
    assert a.url == f"{site.base}/2025/01/21/poutine-xi.html" and a.id.startswith("url-")
    assert "Claire Martin" in a.authors
    assert "principal partenaire commercial de la Russie" in a.text
    assert "La Chine, un pilier économique pour la Russie face aux sanctions" in a.text  # headings kept
    for junk in ("Leave a Reply", "Partager", "Trending", "Quitter la version mobile", "Votre adresse e-mail"):
        assert junk not in a.text


def test_same_page_saved_as_html_file_is_the_same_article_text(pipeline, site, tmp_path):
    from site_server import SITE

    page = tmp_path / "saved.html"
    page.write_text(
        (SITE / "poutine-xi.html").read_text(encoding="utf-8").replace("{base}", "https://example.org"),
        encoding="utf-8",
    )
    report = pipeline.add([page])
    a = pipeline.store.get_articles(report.added)[report.added[0]].article
    assert a.url == "https://example.org/2025/01/21/poutine-xi.html" and a.date == "2025-01-21"


@pytest.mark.parametrize(
    "path, message",
    [
        ("/missing.html", "HTTP 404"),
        ("/empty.html", "no article text"),
        ("/redirect-file", "only http and https"),
        ("/huge.html", "MB"),
        ("/slow", "no complete answer within"),
    ],
)
def test_bad_urls_are_rejected_with_reasons(pipeline, site, path, message):
    report = pipeline.add([f"{site.base}{path}"])
    assert report.added == [] and len(report.rejected) == 1 and message in report.rejected[0]


def test_redirects_are_followed(pipeline, site):
    report = pipeline.add([f"{site.base}/redirect-home"])
    assert len(report.added) == 1


def test_unreachable_and_private_and_non_http_urls(tmp_path):
    strict = build(
        load_settings({"embedder.backend": "fake", "llm.backend": "fake"}, environ={"NEWSDESK_DATA_DIR": str(tmp_path)})
    )
    report = strict.add(["http://127.0.0.1:9/x.html", "ftp://example.org/a.html"])
    assert len(report.rejected) == 2
    assert "private or local address" in report.rejected[0] and "allow_private_urls" in report.rejected[0]
    assert "only http and https" in report.rejected[1]
    open_settings = load_settings(
        {"embedder.backend": "fake", "llm.backend": "fake", "ingest.allow_private_urls": True},
        environ={"NEWSDESK_DATA_DIR": str(tmp_path)},
    )
    report = build(open_settings).add(["http://127.0.0.1:9/x.html"])
    assert "unreachable" in report.rejected[0]


def test_feeds_add_update_only_new_remove(pipeline, site, tmp_path):
    assert pipeline.add_feed(f"{site.base}/feed.rss.xml") == "Le Courrier International Local"
    first = pipeline.update_feeds()
    assert len(first.added) == 2 and not first.rejected
    articles = {r.article.title: r.article for r in pipeline.store.list_articles(with_text=True)}
    seed = articles["Coopération: échange entre Vladimir Poutine et Xi Jinping"]
    # The entry only had a summary: the full article was fetched from its link.
    assert "principal partenaire commercial" in seed.text and site.hits.get("/2025/01/21/poutine-xi.html")
    assert seed.date == "2025-01-21T08:30:00" and seed.source == "Le Courrier International Local"
    dragon = articles["États-Unis : Lancement réussi pour Space X Dragon"]
    assert "Falcon 9" in dragon.text and dragon.date == "2012-05-22T12:00:00"
    assert site.hits.get("/wiki/spacex-dragon.html") is None  # full content in the feed: no page fetch
    second = pipeline.update_feeds()
    assert second.added == [] and second.chunks == 0 and second.rejected == []
    assert site.not_modified == {"/feed.rss.xml": 1}  # the server said "not modified": nothing new, not an error
    feeds = FeedList(pipeline.settings.data_dir)
    assert len(feeds.load()[0].seen) == 2 and feeds.load()[0].last_error == ""
    assert feeds.remove(f"{site.base}/feed.rss.xml") and feeds.load() == []


def test_not_a_feed(pipeline, site):
    with pytest.raises(IngestError, match="not an RSS or Atom feed"):
        pipeline.add_feed(f"{site.base}/2025/01/21/poutine-xi.html")


def test_feed_cli_import_opml_list_update(site, tmp_path):
    result = cli("feed", "import", str(site.opml(tmp_path)))
    assert result.exit_code == 0 and "2 feeds imported" in result.output
    listed = json.loads(cli("feed", "list", "--json").stdout)
    assert {f["url"] for f in listed} == {f"{site.base}/feed.rss.xml", f"{site.base}/feed.atom.xml"}
    report = json.loads(cli("feed", "update", "--json", "--brief", "fr").stdout)
    assert len(report["added"]) == 3
    cited = {c["article_id"] for story in report["stories"] for c in story["citations"]}
    assert len(report["stories"]) >= 2 and cited <= set(report["added"])  # the briefing of what the update brought
    titles = {r["title"] for r in json.loads(cli("list", "--json").stdout)}
    assert "Wikipédia en russe proteste contre un projet de loi" in titles


def test_stdin_pdf_and_stats(tmp_path):
    result = cli(
        "add",
        "-",
        "--json",
        input="Un titre collé depuis le presse-papiers\n\nLe 3 mars 2024, la mairie a voté le budget.",
    )
    report = json.loads(result.stdout)
    assert len(report["added"]) == 1
    listed = json.loads(cli("list", "--json").stdout)
    assert listed[0]["title"] == "Un titre collé depuis le presse-papiers" and listed[0]["date"] == "2024-03-03"
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(minimal_pdf("Rapport annuel de la mairie. Le budget 2024 augmente de 3 %."))
    report = json.loads(cli("add", str(pdf), "--json").stdout)
    assert len(report["added"]) == 1, report
    shown = json.loads(cli("show", report["added"][0], "--json").stdout)
    assert "budget 2024 augmente" in shown["text"]
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["articles"] == 2 and stats["languages"] == {"fr": 2}


DAMAGED_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\n"
    b"endobj\nxref\n0 3\n0000000000 65535 f \n0000000999 00000 n \n0000000999 00000 n \ntrailer\n"
    b"<< /Size 3 /Root 1 0 R >>\nstartxref\n9999\n%%EOF\n"
)


def test_a_damaged_pdf_is_one_rejection_line_without_the_readers_warnings(tmp_path, caplog):
    from rag.ingest.sources import load_pdf_file

    pdf = tmp_path / "damaged.pdf"
    pdf.write_bytes(DAMAGED_PDF)  # a wrong xref offset: pypdf repairs it and logs warnings as it goes
    with caplog.at_level(logging.WARNING), pytest.raises(IngestError, match="no text layer"):
        load_pdf_file(pdf)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


def test_file_size_limit(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Un titre pour un très gros fichier\n\n" + "mot " * 400_000)
    result = CliRunner().invoke(main, [*FAKES, "--set", "ingest.max_file_mb=1", "add", str(big), "--json"])
    report = json.loads(result.stdout)
    assert report["added"] == [] and "over the 1 MB limit" in report["rejected"][0]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer (Helvetica), built by hand for the test."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_the_page_offers_the_briefing_of_what_a_feed_update_brought_and_only_of_that(pipeline, site):
    from ui.briefing import brief_brought
    from ui.corpus import CorpusHandlers

    pipeline.add_articles([Article(id="older", title="Rugby", text="The rugby team won the final in Cardiff. " * 3)])
    handlers = CorpusHandlers(pipeline)
    handlers.feeds.add(f"{site.base}/feed.rss.xml", "")
    _, rows, _, brought, button = handlers.on_update("fr")
    assert len(brought) == 2 and "older" not in brought and button["visible"]
    *_, (chat, panel) = brief_brought(pipeline, brought, [], "fr")
    assert chat[0]["content"] == "Ce qu'a apporté la mise à jour des flux (2 articles)"
    assert chat[1]["content"].count("nd-brief-item") == 2  # one sentence per story it brought, none older
    assert "Rugby" not in panel and "older" not in panel
    *_, brought, button = handlers.on_update("fr")  # nothing new: no briefing to offer
    assert brought == [] and not button["visible"]
