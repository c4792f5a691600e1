"""Fetching cannot be aimed at this machine or its network: rebinding, IDN, IPv6 forms, redirects, drips, hostile feeds.

Two real servers on loopback stand for the internet and the private network:
``127.0.0.2`` plays a public site (the tests' address policy calls it public)
and ``127.0.0.1`` the private service that must never be reached.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.errors import IngestError
from rag.ingest import fetch as fetch_module
from rag.ingest.fetch import embedded_ipv4, fetch, is_public
from rag.settings import IngestSettings

PUBLIC, PRIVATE = "127.0.0.2", "127.0.0.1"
ARTICLE = (
    "<html><head><title>Une page publique</title></head><body><article><h1>Une page publique</h1>"
    + "<p>Le conseil municipal a voté le budget de la ville pour l'année prochaine après un long débat.</p>" * 8
    + "</article></body></html>"
).encode()


def limits(**kw) -> IngestSettings:
    return IngestSettings(**{"fetch_timeout_s": 3, "max_fetch_mb": 1, **kw})


class Server:
    """A threaded HTTP server on ``address``; counts every request it receives."""

    def __init__(self, address: str, port: int, routes: dict):
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits.append(self.path)
                route = routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route(self)

        self.httpd = ThreadingHTTPServer((address, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler, status=200, body=b"", ctype="text/html; charset=utf-8", headers=()):
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    for name, value in headers:
        handler.send_header(name, value)
    if not any(name.lower() == "content-length" for name, _ in headers):
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def drip_body(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(600):
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


def drip_headers(handler):
    try:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 600:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass
    handler.close_connection = True


@pytest.fixture
def net(monkeypatch):
    """The private service on 127.0.0.1:P, the public site on 127.0.0.2:P, and names that resolve to them."""
    private = Server(
        PRIVATE,
        0,
        {"/admin": lambda h: send(h, body=b"<html><body>" + b"<p>secret admin page</p>" * 40 + b"</body></html>")},
    )
    port = private.port
    public = Server(
        PUBLIC,
        port,
        {
            "/page": lambda h: send(h, body=ARTICLE),
            "/go": lambda h: send(h, 302, headers=[("Location", f"http://{PRIVATE}:{port}/admin")]),
            "/drip": drip_body,
            "/drip-headers": drip_headers,
            "/bad-length": lambda h: send(h, body=b"x", headers=[("Content-Length", "abc")]),
            "/feed.xml": lambda h: send(h, body=hostile_feed(port), ctype="application/rss+xml"),
        },
    )
    calls: dict[str, int] = {}
    real = socket.getaddrinfo

    def resolve(host, port_, *args, **kwargs):
        calls[host] = calls.get(host, 0) + 1
        table = {
            "news.test": PUBLIC,
            "fass.test": PUBLIC,  # what IDNA 2003 makes of faß.test
            "xn--fa-hia.test": PRIVATE,  # what IDNA 2008 (httpx) makes of it
            # A rebinding name: public for the first lookup, this machine afterwards.
            "rebind.test": PUBLIC if calls[host] == 1 else PRIVATE,
        }
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port_))]
        return real(host, port_, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(fetch_module, "is_public", lambda address: str(address) == PUBLIC)  # the test's internet
    yield public, private, port
    public.close()
    private.close()


def hostile_feed(port: int) -> bytes:
    links = [
        f"http://{PRIVATE}:{port}/admin",
        f"http://[::ffff:127.0.0.1]:{port}/admin",
        f"http://[64:ff9b::7f00:1]:{port}/admin",
        f"http://rebind.test:{port}/admin",
        f"http://faß.test:{port}/admin",
        f"http://news.test:{port}/go",
        f"http://news.test:{port}/drip",
        "file:///etc/passwd",
        f"http://news.test:{port}/page",
    ]
    items = "".join(
        f"<item><title>Entrée {i}</title><link>{links[i % len(links)]}</link><guid>e{i}</guid>"
        f"<description>Court résumé {i}.</description></item>"
        for i in range(120)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Flux hostile</title>{items}</channel></rss>'.encode()
    )


# -- the address policy itself -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-mapped and -compatible
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 127.0.0.1 and of the metadata address
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",  # 6to4 of 127.0.0.1 and 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
    ],
)
def test_private_local_and_metadata_addresses_are_not_public_in_any_form(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34", "2002:5db8:d822::1"]
)
def test_public_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


def test_embedded_ipv4_forms():
    assert str(embedded_ipv4(ipaddress.IPv6Address("64:ff9b::7f00:1"))) == "127.0.0.1"
    assert str(embedded_ipv4(ipaddress.IPv6Address("2002:a9fe:a9fe::"))) == "169.254.169.254"
    assert embedded_ipv4(ipaddress.IPv6Address("2606:2800:220:1::1")) is None


# -- real connections ----------------------------------------------------------------------------------------------


def test_a_public_page_is_fetched(net):
    public, private, port = net
    page = fetch(f"http://news.test:{port}/page", limits())
    assert page.status == 200 and b"conseil municipal" in page.content and public.hits == ["/page"]


def test_dns_rebinding_cannot_reach_the_private_service(net):
    public, private, port = net
    page = fetch(f"http://rebind.test:{port}/page", limits())  # checked and connected with one resolution
    assert b"conseil municipal" in page.content and public.hits == ["/page"]
    assert private.hits == []


def test_an_idn_host_is_checked_as_httpx_encodes_it(net):
    public, private, port = net
    with pytest.raises(IngestError, match="private or local address"):
        fetch(f"http://faß.test:{port}/admin", limits())
    assert private.hits == [] and public.hits == []


def test_a_redirect_to_the_private_network_is_refused(net):
    public, private, port = net
    with pytest.raises(IngestError, match="private or local address.*allow_private_urls"):
        fetch(f"http://news.test:{port}/go", limits())
    assert public.hits == ["/go"] and private.hits == []


@pytest.mark.parametrize(
    "host", ["[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[::127.0.0.1]", "169.254.169.254", "localhost"]
)
def test_literal_private_addresses_are_refused_before_connecting(host):
    with pytest.raises(IngestError, match="private or local address"):
        fetch(f"http://{host}:9/x", limits())


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_dripping_server_cannot_hold_a_fetch_past_its_deadline(net, path):
    public, private, port = net
    started = time.monotonic()
    with pytest.raises(IngestError, match="no complete answer within 2 s"):
        fetch(f"http://news.test:{port}{path}", limits(fetch_timeout_s=2))
    assert time.monotonic() - started < 3.5


def test_malformed_answers_and_urls_are_one_line_errors(net):
    public, private, port = net
    with pytest.raises(IngestError, match="malformed|invalid Content-Length"):
        fetch(f"http://news.test:{port}/bad-length", limits())
    for url in ("http://news.test:99999/x", "http://news.test:port/x", "http:///x"):
        with pytest.raises(IngestError) as err:
            fetch(url, limits())
        assert "\n" not in str(err.value)


def test_a_hostile_feed_reaches_nothing_private_and_is_bounded(net, tmp_path):
    from rag.config import load_settings
    from rag.ingest.feeds import FeedList
    from rag.pipeline import build

    public, private, port = net
    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "ingest.fetch_timeout_s": 2,
            "ingest.max_feed_entries": 30,
            "ingest.feed_budget_s": 20,
            "models_dir": str(tmp_path / "m"),
        },
        environ={"NEWSDESK_DATA_DIR": str(tmp_path / "data")},
    )
    pipeline = build(settings)
    FeedList(settings.data_dir).add(f"http://news.test:{port}/feed.xml", "Flux hostile")
    started = time.monotonic()
    pipeline.update_feeds()
    elapsed = time.monotonic() - started
    assert private.hits == []  # no entry link reached the private service, whatever its form
    assert elapsed < 40  # 30 entries at most, the dripping ones cut at 2 s each
    feed = FeedList(settings.data_dir).load()[0]
    assert len(feed.seen) == 30  # tried once each; the other 90 entries wait for the next update
    texts = [r.article.text for r in pipeline.store.list_articles(with_text=True)]
    assert texts and not any("secret" in t for t in texts)
