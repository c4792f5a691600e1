"""A local HTTP server for the saved pages and feeds in tests/fixtures/site."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).resolve().parent / "fixtures" / "site"
ROUTES = {
    "/2025/01/21/poutine-xi.html": ("poutine-xi.html", "text/html; charset=utf-8"),
    "/wiki/spacex-dragon.html": ("spacex-dragon.html", "text/html; charset=utf-8"),
    "/wiki/wikipedia-russe.html": ("wikipedia-russe.html", "text/html; charset=utf-8"),
    "/empty.html": ("empty-page.html", "text/html; charset=utf-8"),
    "/feed.rss.xml": ("feed.rss.xml", "application/rss+xml"),
    "/feed.atom.xml": ("feed.atom.xml", "application/atom+xml"),
}


def send_page(handler, site, body: bytes, ctype: str) -> None:
    """A page; feeds carry an ETag and answer 304 when it is sent back."""
    etag = f'"{len(body)}"'
    if not handler.path.startswith("/feed."):
        return handler._send(200, body, ctype)
    if handler.headers.get("If-None-Match") != etag:
        return handler._send(200, body, ctype, {"ETag": etag})
    site.not_modified[handler.path] = site.not_modified.get(handler.path, 0) + 1
    handler.send_response(304)
    handler.send_header("ETag", etag)
    handler.end_headers()
    return None


class Site:
    def __init__(self):
        self.hits: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}  # 304 answers per path
        self.extra: dict[str, tuple[bytes, str]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                special = {
                    "/redirect-home": lambda: self._redirect("/2025/01/21/poutine-xi.html"),
                    "/redirect-file": lambda: self._redirect("file:///etc/passwd"),
                    "/huge.html": lambda: self._send(
                        200, b"<html><body>" + b"<p>x</p>" * 400_000 + b"</body></html>", "text/html"
                    ),
                }
                if self.path == "/slow":
                    time.sleep(3)
                if self.path in special:
                    return special[self.path]()
                if self.path in site.extra:
                    return self._send(200, *site.extra[self.path])
                if self.path not in ROUTES:
                    return self._send(404, b"not found", "text/plain")
                name, ctype = ROUTES[self.path]
                body = (SITE / name).read_text(encoding="utf-8").replace("{base}", site.base).encode()
                return send_page(self, site, body, ctype)

            def _redirect(self, location):
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()

            def _send(self, status, body, ctype, headers=None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def opml(self, tmp_path: Path) -> Path:
        path = tmp_path / "feeds.opml"
        path.write_text(
            (SITE / "feeds.opml").read_text(encoding="utf-8").replace("{base}", self.base), encoding="utf-8"
        )
        return path
