"""deploy/: nginx's configuration passes Debian's `nginx -t`, the systemd units pass
`systemd-analyze verify`, and both agree with the app (upload size, static files, the
commands they run).

Neither needs root nor touches the system: nginx checks a copy under a temporary prefix with
a self-signed certificate made here, and systemd-analyze reads copies whose paths point into
this checkout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/envcredit/app"  # where the units and nginx expect the release
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
UNITS = sorted(p.name for p in (DEPLOY / "systemd").iterdir())


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "credit.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "fullchain.pem", folder / "privkey.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


def _nginx_prefix(tmp_path: Path, site: str) -> Path:
    """A prefix with nginx.conf (as Debian's includes conf.d inside http {}) and the site."""
    crt, pem = _self_signed(tmp_path)
    confd = tmp_path / "conf.d"
    confd.mkdir()
    (tmp_path / "logs").mkdir()
    shutil.copy(DEPLOY / "nginx" / "envcredit-log.conf", confd / "00-envcredit-log.conf")
    site = (
        site.replace("/etc/ssl/envcredit/fullchain.pem", str(crt))
        .replace("/etc/ssl/envcredit/privkey.pem", str(pem))
        .replace("/var/log/nginx/", f"{tmp_path}/logs/")
        .replace(f"{INSTALLED}/", f"{ROOT}/")
    )
    (confd / "envcredit.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # as root, nginx's workers would run as nobody, who may not read a checkout or a temp
    # folder below a private /tmp (mode 700 here): they run as the test's user instead
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        f"    access_log {tmp_path}/logs/access.log;\n{temp}\n"
        f"    include {confd}/*.conf;\n}}\n",
        encoding="utf-8",
    )
    return tmp_path


def _paths(prefix: Path) -> list[str]:
    """Prefix, configuration and error log all in ``prefix``: nothing of the system's (the
    compiled-in /var/log/nginx/error.log would need root before the configuration is read)."""
    return [
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-e",
        str(prefix / "logs/error.log"),
    ]


def _nginx_t(prefix: Path) -> subprocess.CompletedProcess[str]:
    assert NGINX is not None
    return subprocess.run(
        [NGINX, "-t", *_paths(prefix)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (make test installs it: scripts/ensure-nginx)"
)


@needs_nginx
def test_nginx_accepts_the_site_configuration(tmp_path):
    site = (DEPLOY / "nginx" / "envcredit.conf").read_text(encoding="utf-8")
    checked = _nginx_t(_nginx_prefix(tmp_path, site))
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr
    warnings = [
        line
        for line in checked.stderr.splitlines()
        if "[warn]" in line and '"listen ... http2" directive is deprecated' not in line
    ]  # the one warning a newer nginx gives for Debian 12's way of enabling HTTP/2
    assert not warnings, checked.stderr


@needs_nginx
def test_nginx_check_fails_on_a_broken_site(tmp_path):
    """The check is real: a directive nginx does not know, or a missing certificate, fails."""
    site = (DEPLOY / "nginx" / "envcredit.conf").read_text(encoding="utf-8")
    broken = site.replace("client_max_body_size 60m;", "client_max_body_sise 60m;")
    checked = _nginx_t(_nginx_prefix(tmp_path / "a", broken) if _mk(tmp_path / "a") else None)
    assert checked.returncode != 0 and "client_max_body_sise" in checked.stderr
    missing = site.replace("/etc/ssl/envcredit/privkey.pem", "/nonexistent/privkey.pem")
    checked = _nginx_t(_nginx_prefix(tmp_path / "b", missing) if _mk(tmp_path / "b") else None)
    assert checked.returncode != 0 and "privkey.pem" in checked.stderr


def _mk(path: Path) -> bool:
    path.mkdir()
    return True


def test_nginx_site_agrees_with_the_app():
    """Upload size = the app's MAX_CONTENT_LENGTH; the static location serves the portal's
    files; every forwarded header the app's ProxyFix reads is set."""
    from wsgi import app

    site = (DEPLOY / "nginx" / "envcredit.conf").read_text(encoding="utf-8")
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size and int(size.group(1)) * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    static = re.search(r"location (/static/\S+) \{\s*alias (\S+);", site)
    assert static, "no static location"
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint.endswith(".static"))
    assert rule.rule.startswith(static.group(1))
    folder = ROOT / static.group(2).removeprefix(f"{INSTALLED}/")
    assert (folder / "site.css").is_file()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in site


def _units_here(folder: Path, names: list[str]) -> list[Path]:
    """Copies of the units with the release path pointing into this checkout (the binaries
    must exist for systemd-analyze); a template gets an instance name."""
    out = []
    for name in names:
        text = (DEPLOY / "systemd" / name).read_text(encoding="utf-8")
        text = text.replace(f"{INSTALLED}/.venv/bin/", f"{Path(sys.executable).parent}/")
        text = text.replace(INSTALLED, str(ROOT))
        target = folder / name.replace("@.", "@1.")
        target.write_text(text, encoding="utf-8")
        out.append(target)
    return out


def _verify(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=paths[0].parent,
        check=False,
    )


needs_systemd = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not available here"
)


@needs_systemd
def test_systemd_units_verify(tmp_path):
    checked = _verify(_units_here(tmp_path, UNITS))
    complaints = [line for line in checked.stderr.splitlines() if "envcredit" in line]
    assert checked.returncode == 0 and not complaints, checked.stderr


@needs_systemd
def test_systemd_verify_catches_a_broken_unit(tmp_path):
    """Unknown keys (only a warning to systemd) and a missing program both count."""
    (unit,) = _units_here(tmp_path, ["envcredit-web.service"])
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text.replace("Restart=on-failure", "Restrat=on-failure"), encoding="utf-8")
    checked = _verify([unit])
    assert [line for line in checked.stderr.splitlines() if "Restrat" in line]
    unit.write_text(text.replace("/gunicorn ", "/no-such-gunicorn "), encoding="utf-8")
    assert _verify([unit]).returncode != 0


def test_every_service_runs_an_existing_command():
    """Each unit's flask command exists in this app (backup, releases, worker, receiver)."""
    from wsgi import app

    commands = {"gunicorn"}
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text(encoding="utf-8")
        if name.endswith(".timer"):
            assert (DEPLOY / "systemd" / name.replace(".timer", ".service")).is_file()
            assert "OnCalendar=" in text and "Persistent=true" in text
            continue
        assert "EnvironmentFile=/etc/envcredit/envcredit.env" in text
        for group in re.findall(r"flask --app wsgi ((?:[a-z-]+ ?)+)", text):
            words = group.split()
            commands.add(words[0])
            command = app.cli.get_command(None, words[0])  # type: ignore[arg-type]
            assert command is not None, f"{name}: no flask command {words[0]}"
            if hasattr(command, "commands") and len(words) > 1:
                assert words[1] in command.commands, f"{name}: no flask {words[0]} {words[1]}"
    assert {"worker", "monitoring", "db", "releases"} <= commands


def test_the_environment_example_names_real_keys():
    from core.config import DEFAULTS

    example = (DEPLOY / "envcredit.env.example").read_text(encoding="utf-8")
    keys = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE)
    assert keys and not set(keys) - set(DEFAULTS), set(keys) - set(DEFAULTS)
    for key in ("DATABASE_URL", "SEARCH_BACKEND", "REDIS_URL", "BACKGROUND_CONSUMERS"):
        assert key in keys


def _served_site(tmp_path: Path, app_port: int) -> tuple[str, int, int]:
    """The site with its listeners on free loopback ports and its upstream the given app."""
    from bench.load import _free_port

    http, https = _free_port(), _free_port()
    site = (DEPLOY / "nginx" / "envcredit.conf").read_text(encoding="utf-8")
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl")
    site = re.sub(
        r"(upstream envcredit_app \{)(.*?)(keepalive)",
        rf"\1\n    server 127.0.0.1:{app_port};\n    \3",
        site,
        flags=re.S,
    )
    return site, http, https


@needs_nginx
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_nginx_in_front_of_the_app(tmp_path, app_config):
    """The site really serving: HTTP redirects to HTTPS, TLS with the configured certificate,
    static files from disk with caching, the app sees nginx's forwarded headers (and not a
    client's forged X-Forwarded-For), no query string in the access log, 413 past 60 MiB."""
    import http.client
    import ssl

    from flask import request

    from tests.api.serving import serve
    from wsgi import create_app

    app = create_app({**app_config, "PROXY_HOPS": 1, "TRUSTED_HOSTS": "credit.example.gov.cn"})

    @app.get("/_proxy_probe")
    def probe():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    host = "credit.example.gov.cn"
    with serve(app) as base:
        site, http_port, https_port = _served_site(tmp_path, int(base.rsplit(":", 1)[1]))
        prefix = _nginx_prefix(tmp_path, site)
        assert _nginx_t(prefix).returncode == 0
        nginx = subprocess.Popen(
            [NGINX, *_paths(prefix), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its error_log is logs/error.log
        )
        try:
            tls = ssl.create_default_context(cafile=str(tmp_path / "fullchain.pem"))
            tls.check_hostname = False  # the certificate names the site, we dial 127.0.0.1

            def https(method: str, path: str, headers: dict[str, str] | None = None):
                for _ in range(50):
                    conn = http.client.HTTPSConnection("127.0.0.1", https_port, context=tls)
                    try:
                        conn.request(method, path, headers={"Host": host, **(headers or {})})
                        response = conn.getresponse()
                        return response, response.read()
                    except ConnectionRefusedError:
                        time.sleep(0.1)
                    finally:
                        conn.close()
                raise AssertionError((tmp_path / "logs" / "error.log").read_text())

            seen, body = https("GET", "/_proxy_probe?name=%E5%BC%A0%E4%B8%89",
                               {"X-Forwarded-For": "203.0.113.9"})  # fmt: skip
            assert seen.status == 200, body
            assert json.loads(body) == {"addr": "127.0.0.1", "scheme": "https", "host": host}
            assert seen.getheader("Strict-Transport-Security")

            css, body = https("GET", "/static/disclosure/site.css")
            assert (
                css.status == 200
                and body == (ROOT / "disclosure/static/disclosure/site.css").read_bytes()
            )
            assert "public" in (css.getheader("Cache-Control") or "") and css.getheader("Expires")

            plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
            plain.request("GET", "/penalties?q=1", headers={"Host": host})
            moved = plain.getresponse()
            assert moved.status == 301
            assert moved.getheader("Location") == f"https://{host}/penalties?q=1"
            plain.close()

            big = http.client.HTTPSConnection("127.0.0.1", https_port, context=tls, timeout=10)
            big.putrequest("POST", "/api/v1/tipoffs", skip_host=True)
            big.putheader("Host", host)
            big.putheader("Content-Length", str(61 * 1024 * 1024))
            big.endheaders()
            refused = big.getresponse()
            assert refused.status == 413 and b"nginx" in refused.read()  # nginx's, not the app's
            big.close()
        finally:
            nginx.terminate()
            nginx.wait(10)
    log = (tmp_path / "logs" / "envcredit.access.log").read_text(encoding="utf-8")
    assert "/_proxy_probe" in log and "name=" not in log and "%E5" not in log
