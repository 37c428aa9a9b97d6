"""The outbound guard: which URLs may be requested, and how the request is made.

Safety: no test here resolves a real name or connects anywhere but to a receiver of its own
on 127.0.0.1. The resolver is a stub, and the default connector refuses to connect.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import outbound
from core.outbound import RefusedURL, is_public, post, vet_url

#: what the stub resolver answers; anything else does not resolve
NAMES = {
    "partner.test": ["93.184.216.34"],
    "v6.partner.test": ["2606:2800:220:1::"],
    "localhost": ["127.0.0.1", "::1"],
    "split.test": ["93.184.216.34", "10.0.0.7"],
    "shared.test": ["100.100.100.200"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "xn--fsqu00a.xn--fiqs8s": ["93.184.216.34"],  # 例子.中国
}


def stub_resolver(host, port, *args, **kwargs):
    if host not in NAMES:
        raise socket.gaierror(socket.EAI_NONAME, "stub: unknown name")
    return [
        (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
        for a in NAMES[host]
    ]


class Refusing:
    """A connector that records where it was asked to connect and never connects."""

    def __init__(self):
        self.calls = []

    def __call__(self, address, timeout, *_args):
        self.calls.append(address)
        raise ConnectionRefusedError("test transport: no connections")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(outbound, "resolve", stub_resolver)
    refusing = Refusing()
    monkeypatch.setattr(outbound, "open_socket", refusing)
    return refusing


#: review rows 48 and 103-105: every form the review tried, and what the guard says
REVIEW_FORMS = [
    ("http://127.0.0.1:5302/healthz", "private-address"),
    ("http://localhost/", "private-address"),
    ("http://localhost./", "private-address"),
    ("http://[::1]/", "private-address"),
    ("http://[::ffff:127.0.0.1]/", "private-address"),
    ("http://[::ffff:7f00:1]/", "private-address"),
    ("http://2130706433/", "numeric-host"),
    ("http://0x7f000001/", "numeric-host"),
    ("http://0177.0.0.1/", "numeric-host"),
    ("http://127.1/", "numeric-host"),
    ("http://0/", "numeric-host"),
    ("http://0.0.0.0/", "private-address"),
    ("http://[::]/", "private-address"),
    ("http://10.0.0.1/", "private-address"),
    ("http://192.168.1.1/", "private-address"),
    ("http://172.16.0.1/", "private-address"),
    ("http://169.254.169.254/latest/meta-data/", "private-address"),
    ("http://100.64.0.1/", "private-address"),
    ("http://100.100.100.200/latest/meta-data/", "private-address"),
    ("http://[fe80::1]/", "private-address"),
    ("http://[fe80::1%25eth0]/", "host"),
    ("http://[fc00::1]/", "private-address"),
    ("http://[64:ff9b::7f00:1]/", "private-address"),
    ("http://[2002:7f00:1::]/", "private-address"),
    ("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "private-address"),  # Teredo
    ("http://%31%32%37.0.0.1/", "host"),
    ("http://127。0。0。1/", "private-address"),
    ("http://user:pw@93.184.216.34/", "userinfo"),
    ("http://93.184.216.34#@127.0.0.1/", "fragment"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1:6379/_x", "scheme"),
    ("ftp://127.0.0.1/", "scheme"),
    ("http://93.184.216.34:22/", "port"),
    ("http://93.184.216.34:0/", "port"),
    ("http://93.184.216.34:70000/", "port"),
    ("http://198.18.0.1/", "private-address"),
    ("http://224.0.0.1/", "private-address"),
    ("http://[ff0e::1]/", "private-address"),
    ("http://255.255.255.255/", "private-address"),
    ("http://192.0.0.8/", "private-address"),
    ("http://[fec0::1]/", "private-address"),
    ("http://shared.test/", "private-address"),
    ("http://mapped.test/", "private-address"),
    ("http://x.localhost/", "private-address"),
    ("http://nowhere.test/", "does-not-resolve"),
    ("http://a..b/", "host"),
    ("http://[::1/", "host"),
    ("http://partner.test/a b", "characters"),
    ("http://partner.test/\r\nX: 1", "characters"),
    ("http://partner.test\\@127.0.0.1/", "characters"),
]


@pytest.mark.parametrize(("url", "reason"), REVIEW_FORMS)
def test_guard_refuses_the_review_forms(url, reason):
    with pytest.raises(RefusedURL) as refused:
        vet_url(url)
    assert refused.value.reason == reason
    assert " / " in refused.value.message  # 中文 / English


def test_guard_refuses_a_name_with_any_non_public_address():
    with pytest.raises(RefusedURL, match="private"):
        vet_url("https://split.test/hook")


@pytest.mark.parametrize(
    ("url", "host", "port", "path", "addresses"),
    [
        ("https://partner.test/hook?k=1", "partner.test", 443, "/hook?k=1", ("93.184.216.34",)),
        ("http://PARTNER.test.:8080", "partner.test", 8080, "/", ("93.184.216.34",)),
        ("http://v6.partner.test/x", "v6.partner.test", 80, "/x", ("2606:2800:220:1::",)),
        ("http://例子.中国/x", "xn--fsqu00a.xn--fiqs8s", 80, "/x", ("93.184.216.34",)),
        ("http://93.184.216.34/", "93.184.216.34", 80, "/", ("93.184.216.34",)),
        (
            "http://[2606:2800:220:1::]:1024/",
            "2606:2800:220:1::",
            1024,
            "/",
            ("2606:2800:220:1::",),
        ),
    ],
)
def test_guard_accepts_public_targets(url, host, port, path, addresses):
    target = vet_url(url)
    assert (target.host, target.port, target.path, target.addresses) == (
        host,
        port,
        path,
        addresses,
    )


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("::ffff:93.184.216.34", True),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::5db8:d822", True),
        ("64:ff9b::a00:1", False),
        ("64:ff9b:1::5db8:d822", False),
        ("2002:5db8:d822::1", True),
        ("2002:a9fe:a9fe::1", False),
        ("2002:6440:1::", False),
        ("2001:0:5db8:d822::", False),
        ("::7f00:1", False),
    ],
)
def test_embedded_ipv4_decides_for_ipv6_transition_forms(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


def test_allow_private_still_refuses_the_other_rules():
    assert vet_url("http://127.0.0.1:8080/x", allow_private=True).addresses == ("127.0.0.1",)
    assert vet_url("http://localhost:8080/", allow_private=True).addresses == ("127.0.0.1", "::1")
    for url in (
        "http://user@127.0.0.1:8080/",
        "ftp://127.0.0.1/",
        "http://127.0.0.1:25/",
        "http://0.0.0.0:8080/",
        "http://224.0.0.1:8080/",
        "http://2130706433:8080/",
    ):
        with pytest.raises(RefusedURL):
            vet_url(url, allow_private=True)


def test_post_connects_to_the_vetted_address_without_resolving_again(no_network):
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # a rebinding name

    def rebinding(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    outcome = post("http://rebind.test:8080/hook", b"{}", {}, resolver=rebinding)
    assert outcome.kind == "failed" and outcome.status is None
    assert no_network.calls == [("93.184.216.34", 8080)]


def test_post_refuses_when_the_name_now_resolves_to_loopback(no_network):
    NAMES["later.test"] = ["127.0.0.1"]
    try:
        outcome = post("http://later.test/hook", b"{}", {})
    finally:
        del NAMES["later.test"]
    assert outcome.kind == "refused" and outcome.detail == "private-address"
    assert no_network.calls == []


def test_https_keeps_the_name_for_tls():
    """The socket goes to the vetted address; TLS still names the host (SNI, certificate)."""
    listener = socket.create_server(("127.0.0.1", 0))
    hello = []

    def read_hello():
        peer, _ = listener.accept()
        hello.append(peer.recv(65536))
        peer.close()

    reader = threading.Thread(target=read_hello)
    reader.start()
    calls = []

    def connect(address, timeout, *_args):  # stands in for 93.184.216.34, on loopback
        calls.append(address)
        return socket.create_connection(listener.getsockname(), timeout)

    outcome = post("https://partner.test/hook", b"{}", {}, connect=connect)
    reader.join(5)
    listener.close()
    assert calls == [("93.184.216.34", 443)]
    assert outcome.kind == "failed"  # the peer hung up during the handshake
    assert b"partner.test" in hello[0]  # the ClientHello's server name


@pytest.fixture
def loopback():
    """Receivers on 127.0.0.1 only: a redirecting one, a sink, and a few misbehaving ones."""
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{port}/internal-admin")
                self.end_headers()
            elif self.path == "/trickle":
                try:
                    for byte in b"HTTP/1.1 200 OK\r\n" * 100:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:
                    pass
            elif self.path == "/flood":
                self.send_response(200)
                self.end_headers()
                try:
                    for _ in range(800):  # 50 MiB
                        self.wfile.write(b"x" * 65536)
                        got.append("chunk")
                except OSError:
                    pass
            else:
                self.send_response(204)
                self.end_headers()

        do_GET = do_POST

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{port}", "got": got}
    server.shutdown()
    server.server_close()


def _local(url, **kwargs):
    return post(
        url,
        b'{"x": 1}',
        {"Content-Type": "application/json"},
        allow_private=True,
        connect=socket.create_connection,
        **kwargs,
    )


def test_redirects_are_not_followed(loopback):
    outcome = _local(loopback["base"] + "/redirect")
    assert (outcome.kind, outcome.status) == ("failed", 302)
    assert loopback["got"] == ["/redirect"]  # /internal-admin was never requested
    assert _local(loopback["base"] + "/ok").kind == "delivered"


def test_a_trickling_peer_is_cut_at_the_deadline(loopback, monkeypatch):
    monkeypatch.setattr(outbound, "DEADLINE", 0.5)
    started = time.monotonic()
    outcome = _local(loopback["base"] + "/trickle")
    assert outcome.kind == "failed"
    assert time.monotonic() - started < 3  # 1700 bytes at 50 ms each would take 85 s


def test_the_answer_is_read_only_up_to_the_cap(loopback):
    outcome = _local(loopback["base"] + "/flood")
    assert outcome.kind == "delivered"
    time.sleep(0.2)
    # the kernel's socket buffers take a few MiB (about 60 chunks here), not the 50 offered
    assert loopback["got"].count("chunk") < 400
