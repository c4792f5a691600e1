"""Fetching web pages and feeds safely.

Only http(s). Each fetch has one deadline for all of it (redirects, headers,
body), so a server that drips a byte a second cannot hold it, and a size
limit. Loopback, private, link-local, reserved and metadata addresses are
refused unless ``ingest.allow_private_urls`` is set. The check is made where
the connection is opened, on the addresses the connection then uses: the name
is resolved once (no second resolution to rebind), exactly as httpx encodes it
(IDNA 2008), for every redirect hop, and IPv6 forms that embed an IPv4
address (mapped, compatible, 6to4, NAT64, Teredo) are judged by that address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from rag.errors import IngestError
from rag.problems import Problem, reason

if TYPE_CHECKING:
    from rag.settings import IngestSettings

MAX_REDIRECTS = 5
USER_AGENT = "Newsdesk/0.1 (+local news archive assistant)"
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"),)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str
    headers: dict


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, NAT64, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


def is_public(address: Address) -> bool:
    """Whether ``address`` is on the public internet (what a page from anywhere may make us fetch)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified or address.is_link_local
    )


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self._stream = stream
        self._deadline = deadline

    def _left(self, timeout: float | None) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("fetch deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, self._left(timeout)), self._deadline
        )

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class AddressRefused(IngestError):
    """The host resolves to an address the settings do not allow."""


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves each host once, checks every address, and connects to a checked one."""

    def __init__(self, allow_private: bool, deadline: float):
        self._allow_private = allow_private
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({getattr(exc, 'strerror', None) or exc})") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
        if not self._allow_private:
            for address in addresses:
                if not is_public(address):
                    raise AddressRefused(Problem("private_address", host=host, address=address))
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("fetch deadline passed")
            try:
                stream = super().connect_tcp(
                    str(address), port, min(timeout or left, left), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over the guarded connections (``httpcore.ConnectionPool`` with our network backend)."""

    def __init__(self, allow_private: bool, deadline: float):
        super().__init__(trust_env=False)
        # httpx builds its pool without a network_backend argument; this is the same pool with ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=4,
            network_backend=_GuardedBackend(allow_private, deadline),
        )


def check_url(url: str) -> httpx.URL:
    """The URL as httpx will request it; refuses non-http(s) schemes, missing hosts and malformed ports."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestError(Problem("only_http", url=url))
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise IngestError(Problem("bad_url", url=url, error=exc)) from None
    if not parsed.host:
        raise IngestError(Problem("no_host", url=url))
    return parsed


class _Redirect(Exception):
    def __init__(self, location: str):
        self.location = location


def _read(response: httpx.Response, url: str, max_bytes: int, deadline: float) -> Fetched:
    """The answer to one request: a redirect (raised), nothing new (304), or a body within the size limit."""
    if response.status_code == 304:  # not modified since the ETag / date we sent: nothing new
        return Fetched(url, 304, b"", "", dict(response.headers))
    if response.is_redirect:
        location = response.headers.get("location")
        if not location:
            raise IngestError(Problem("no_location", url=url))
        raise _Redirect(urljoin(url, location))
    declared = response.headers.get("content-length") or "0"
    if not declared.strip().isdigit():
        raise IngestError(Problem("bad_length", url=url, value=repr(declared[:40])))
    if int(declared) > max_bytes:
        raise IngestError(
            Problem("fetch_too_big", url=url, size=f"{int(declared) / 1e6:.1f}", limit=f"{max_bytes / 1e6:.0f}")
        )
    body = bytearray()
    for block in response.iter_bytes():
        body.extend(block)
        if len(body) > max_bytes:
            raise IngestError(Problem("fetch_over", url=url, limit=f"{max_bytes / 1e6:.0f}"))
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("fetch deadline passed")
    if response.status_code >= 400:
        raise IngestError(Problem("http_status", url=url, status=str(response.status_code)))
    return Fetched(
        url, response.status_code, bytes(body), response.headers.get("content-type", ""), dict(response.headers)
    )


def _failure(exc: Exception, url: str, timeout_s: float) -> IngestError:
    if isinstance(exc, AddressRefused):
        return IngestError(Problem("at", where=url, reason=reason(exc)))
    if isinstance(exc, httpx.TimeoutException):
        return IngestError(Problem("timeout", url=url, seconds=f"{timeout_s:.0f}"))
    if isinstance(exc, httpx.ProtocolError):
        return IngestError(Problem("malformed", url=url))
    return IngestError(Problem("unreachable", url=url, error=type(exc).__name__))


def fetch(url: str, limits: IngestSettings, headers: dict[str, str] | None = None) -> Fetched:
    """GET ``url`` with every hop checked, within the ``ingest`` settings' limits; IngestError says why not."""
    timeout_s, max_bytes = limits.fetch_timeout_s, int(limits.max_fetch_mb * 1e6)
    deadline = time.monotonic() + timeout_s
    transport = _GuardedTransport(limits.allow_private_urls, deadline)
    current = url
    with httpx.Client(transport=transport, timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = check_url(current)
            try:
                with client.stream("GET", target, headers={"User-Agent": USER_AGENT, **(headers or {})}) as response:
                    return _read(response, current, max_bytes, deadline)
            except _Redirect as redirect:
                current = redirect.location
            except (AddressRefused, httpx.HTTPError) as exc:
                raise _failure(exc, current, timeout_s) from None
    raise IngestError(Problem("redirects", url=url, n=MAX_REDIRECTS))
