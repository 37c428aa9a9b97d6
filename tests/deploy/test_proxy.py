"""PROXY_HOPS: behind nginx the app takes the client's address and scheme from the
X-Forwarded-* headers of that many proxies, and from nobody else."""

from __future__ import annotations

import pytest


def _seen(app_config, hops: int, headers: dict[str, str]) -> dict[str, str]:
    from flask import request

    from wsgi import create_app

    app = create_app({**app_config, "PROXY_HOPS": hops})

    @app.get("/_proxy_probe")
    def probe():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app.test_client().get("/_proxy_probe", headers=headers).get_json()


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "localhost",
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_hop_believes_the_last_proxy_only(app_config):
    seen = _seen(app_config, 1, FORWARDED)
    # the address nginx appended (its peer), not the one the client wrote in front of it
    assert seen == {"addr": "198.51.100.7", "scheme": "https", "host": "localhost"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_proxy_ignores_forwarded_headers(app_config):
    seen = _seen(app_config, 0, FORWARDED)
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}
