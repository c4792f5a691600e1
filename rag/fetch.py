"""Fetching web pages and feeds safely.

Only http(s); a time and size limit on every fetch; redirects are followed by
hand so that each hop is checked; loopback, private, link-local and reserved
addresses are refused unless ``ingest.allow_private_urls`` is set (tests
serve their pages from 127.0.0.1 and allow it explicitly).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import IngestError

MAX_REDIRECTS = 5
USER_AGENT = "Newsdesk/0.1 (+local news archive assistant)"


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str
    headers: dict


def check_url(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless allowed, hosts that resolve to non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise IngestError(f"{url}: only http and https URLs can be fetched")
    if not parts.hostname:
        raise IngestError(f"{url}: no host in the URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise IngestError(f"{url}: cannot resolve {parts.hostname} ({exc.strerror}) — check the address") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise IngestError(f"{url}: {parts.hostname} is a private or local address ({address}); "
                              "set ingest.allow_private_urls = true to fetch from it")


def fetch(url: str, *, timeout_s: float, max_bytes: int, allow_private: bool, headers: dict | None = None) -> Fetched:
    """GET ``url`` with every hop checked; raises IngestError with a one-line reason."""
    current = url
    request_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(current, allow_private)
            try:
                with client.stream("GET", current, headers=request_headers) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise IngestError(f"{current}: redirect without a location")
                        current = urljoin(current, location)
                        continue
                    declared = int(response.headers.get("content-length") or 0)
                    if declared > max_bytes:
                        raise IngestError(f"{current}: {declared / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit (ingest.max_fetch_mb)")
                    body = bytearray()
                    for block in response.iter_bytes():
                        body.extend(block)
                        if len(body) > max_bytes:
                            raise IngestError(f"{current}: more than {max_bytes / 1e6:.0f} MB (ingest.max_fetch_mb)")
                    if response.status_code == 304:
                        return Fetched(str(response.url), 304, b"", "", dict(response.headers))
                    if response.status_code >= 400:
                        raise IngestError(f"{current}: the server answered HTTP {response.status_code}")
                    return Fetched(str(response.url), response.status_code, bytes(body),
                                   response.headers.get("content-type", ""), dict(response.headers))
            except httpx.TimeoutException:
                raise IngestError(f"{current}: no answer within {timeout_s:.0f} s (ingest.fetch_timeout_s)") from None
            except httpx.HTTPError as exc:
                raise IngestError(f"{current}: unreachable ({type(exc).__name__}) — check the URL and the network") from None
    raise IngestError(f"{url}: more than {MAX_REDIRECTS} redirects")
