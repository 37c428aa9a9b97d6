"""Outbound HTTP to partner-chosen URLs (webhooks): vetted, pinned, bounded.

A URL is refused unless it is plain http(s) without credentials or fragment, names a host
in letters-digits-hyphens (IDN allowed) or a canonical IP address, uses port 80, 443 or
1024 and above, and *every* address its name resolves to is public. The request then goes
to a vetted address (no second resolution, so DNS rebinding cannot swap the target), with
the name as Host header and as the TLS server name, never follows a redirect, and is bounded
in time and in the bytes read back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import re
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core.xmltext import has_control_characters

CONNECT_TIMEOUT = 5.0  #: seconds to connect, and for each read
DEADLINE = 10.0  #: seconds for the whole exchange, however slowly the peer answers
MAX_RESPONSE = 64 * 1024  #: bytes of the response body read (and thrown away)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[Any]]
Connector = Callable[[tuple[str, int], float], socket.socket]

#: the name resolver and the TCP connector; tests replace them (a test never resolves a
#: real name nor connects anywhere but to a receiver of its own on 127.0.0.1)
resolve: Resolver = socket.getaddrinfo
open_socket: Connector = socket.create_connection

#: special-purpose blocks Python 3.11's ``is_global`` still calls global
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64
        "fec0::/10",  # site-local (deprecated)
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
#: WHATWG URL "ends in a number": such a host is an IPv4 address in some parsers' eyes
_NUMBER = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")


class RefusedURL(ValueError):
    """The URL may not be requested; ``reason`` is a short code, the message bilingual."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Target:
    """A vetted URL: where to connect and what to send as Host and request target."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """The Host header: the name (IPv6 in brackets), with the port unless default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"

    @property
    def origin(self) -> str:
        """scheme://host:port, for logs (a path or query may carry a partner's token)."""
        return f"{self.scheme}://{self.host_header}"


@dataclass(frozen=True)
class Outcome:
    """How a request ended: ``delivered`` (2xx), ``failed`` (worth retrying) or ``refused``
    (the guard said no). ``detail`` is for the server log only, never for the partner."""

    kind: str
    status: int | None = None
    detail: str = ""


def is_public(address: Address) -> bool:
    """True for a globally reachable unicast address, judging embedded IPv4 too."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        embedded = [address.sixtofour, *(address.teredo or ())]
        if any(v4 is not None and not is_public(v4) for v4 in embedded):
            return False
        if address.is_site_local:
            return False
    return bool(address.is_global) and not (
        address.is_multicast
        or address.is_reserved
        or address.is_link_local
        or address.is_loopback
        or address.is_unspecified
        or address.is_private
        or any(address in net for net in _NOT_GLOBAL if net.version == address.version)
    )


def _usable(address: Address) -> bool:
    """Even on a closed network: not multicast, unspecified or broadcast."""
    return not (
        address.is_multicast
        or address.is_unspecified
        or address == ipaddress.IPv4Address("255.255.255.255")
    )


def _refuse(reason: str, zh: str, en: str) -> RefusedURL:
    return RefusedURL(reason, f"{zh} / {en}")


def _host(hostname: str, bracketed: bool) -> tuple[str, Address | None]:
    """The ASCII host and, for an address literal, the address; refuses odd forms."""
    if bracketed:
        try:
            if "%" in hostname:  # a zone ("fe80::1%eth0") names an interface of ours
                raise ValueError(hostname)
            return hostname, ipaddress.IPv6Address(hostname)
        except ValueError:
            raise _refuse("host", "URL 的主机名无效", "the URL's host is not valid") from None
    import idna  # only webhook registration and delivery need it

    try:
        host = idna.encode(hostname, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        raise _refuse("host", "URL 的主机名无效", "the URL's host is not valid") from None
    host = host.removesuffix(".")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _refuse("host", "URL 的主机名无效", "the URL's host is not valid")
    if _NUMBER.match(labels[-1]):
        try:
            address = ipaddress.IPv4Address(host)
        except ValueError:
            raise _refuse(
                "numeric-host",
                "IP 地址须写成点分十进制",
                "write an IPv4 address as four decimal numbers",
            ) from None
        return host, address
    return host, None


def _port(parts: Any) -> int:
    try:
        port = parts.port
    except ValueError:
        raise _refuse("port", "URL 的端口无效", "the URL's port is not valid") from None
    port = port if port is not None else (443 if parts.scheme == "https" else 80)
    if port not in (80, 443) and not 1024 <= port <= 65535:
        raise _refuse(
            "port",
            "只能推送到 80、443 或 1024 以上的端口",
            "only ports 80, 443 and 1024 or above are allowed",
        )
    return port


def _resolve(host: str, port: int, resolver: Resolver | None) -> list[Address]:
    try:
        infos = (resolver or resolve)(host, port, type=socket.SOCK_STREAM)
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    except (OSError, UnicodeError, ValueError):
        found = []
    if not found:
        raise _refuse(
            "does-not-resolve", "无法解析 URL 的主机名", "the URL's host does not resolve"
        )
    return list(dict.fromkeys(found))


def vet_url(url: str, *, allow_private: bool = False, resolver: Resolver | None = None) -> Target:
    """The URL as a :class:`Target` to connect to, or :class:`RefusedURL` saying why not."""
    if has_control_characters(url) or any(c in url for c in " \\\t"):
        raise _refuse(
            "characters", "URL 含有空白或控制字符", "the URL contains spaces or control characters"
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        raise _refuse("host", "URL 的主机名无效", "the URL's host is not valid") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise _refuse("scheme", "URL 须为 http(s) 地址", "the URL must be http(s)")
    if "@" in parts.netloc:
        raise _refuse("userinfo", "URL 不能包含用户名或密码", "no credentials in the URL")
    if "#" in url:
        raise _refuse("fragment", "URL 不能包含 # 片段", "no #fragment in the URL")
    host, literal = _host(hostname, parts.netloc.startswith("["))
    port = _port(parts)
    if (
        literal is None
        and (host == "localhost" or host.endswith(".localhost"))
        and not allow_private
    ):
        raise _refuse(
            "private-address", "不能推送到内网或本机地址", "private or local addresses are refused"
        )
    addresses = [literal] if literal is not None else _resolve(host, port, resolver)
    allowed = _usable if allow_private else is_public
    if not all(allowed(a) for a in addresses):
        raise _refuse(
            "private-address", "不能推送到内网或本机地址", "private or local addresses are refused"
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, tuple(str(a) for a in addresses))


def _connection(target: Target, address: str, connect: Connector) -> http.client.HTTPConnection:
    """An http.client connection to the vetted ``address`` that still speaks to the name."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=CONNECT_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=CONNECT_TIMEOUT)
    # http.client opens its socket through this attribute; pinning it to the vetted address
    # means no second lookup, while Host and TLS (SNI, certificate) still use the name.
    conn._create_connection = (  # type: ignore[attr-defined]  # http.client's private hook
        lambda _addr, timeout, _source=None: connect((address, target.port), timeout)
    )
    return conn


@contextlib.contextmanager
def _deadline(conn: http.client.HTTPConnection) -> Any:
    """Cut the connection DEADLINE seconds from now, however slowly the peer trickles."""

    def cut() -> None:
        with contextlib.suppress(OSError, AttributeError):
            conn.sock.shutdown(socket.SHUT_RDWR)  # unblocks a read in progress

    timer = threading.Timer(DEADLINE, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        conn.close()


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool = False,
    resolver: Resolver | None = None,
    connect: Connector | None = None,
) -> Outcome:
    """POST ``body`` to a vetted ``url``; redirects are not followed (a 3xx has failed)."""
    try:
        target = vet_url(url, allow_private=allow_private, resolver=resolver)
    except RefusedURL as exc:
        return Outcome("refused", detail=exc.reason)
    sent = {
        **headers,
        "Host": target.host_header,
        "Connection": "close",
        "Content-Length": str(len(body)),
    }
    detail = "no address"
    for address in target.addresses:  # the next address only when this one cannot connect
        conn = _connection(target, address, connect or open_socket)
        with _deadline(conn):
            try:
                conn.connect()
            except OSError as exc:
                detail = type(exc).__name__
                continue
            try:
                conn.request("POST", target.path, body=body, headers=sent)
                response = conn.getresponse()
                response.read(MAX_RESPONSE)
            except (OSError, http.client.HTTPException) as exc:
                return Outcome("failed", detail=type(exc).__name__)
        kind = "delivered" if 200 <= response.status < 300 else "failed"
        return Outcome(kind, response.status, f"HTTP {response.status}")
    return Outcome("failed", detail=detail)


def retry_delay(attempts: int, first: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential backoff for a send that failed ``attempts`` times: ``first``, twice that,
    four times … never more than ``cap`` (webhook deliveries and mails retry alike)."""
    return min(cap, first * 2 ** max(0, attempts - 1))
