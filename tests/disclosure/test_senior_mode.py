"""长者模式: a link sets a cookie (no JavaScript), <html class="senior"> on every page after."""

from __future__ import annotations

import re
from pathlib import Path

from disclosure.info_pages import SENIOR_COOKIE


def _html_tag(text: str) -> str:
    return re.search(r"<html[^>]*>", text).group(0)


def test_switch_link_sets_cookie_and_class_persists_across_pages(client):
    home = client.get("/").get_data(as_text=True)
    assert 'class="senior"' not in _html_tag(home)
    link = re.search(r'class="senior-switch" rel="nofollow" href="([^"]+)"', home).group(1)
    assert "on=1" in link
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert f"{SENIOR_COOKIE}=1" in response.headers["Set-Cookie"]
    for path in ("/", "/stats", "/rules", "/tipoffs/new"):
        page = client.get(path).get_data(as_text=True)
        assert 'class="senior"' in _html_tag(page), path
        assert "退出长者模式" in page
    off = client.get("/senior-mode?on=0&next=/stats")
    assert off.status_code == 303 and off.headers["Location"] == "/stats"
    assert 'class="senior"' not in _html_tag(client.get("/stats").get_data(as_text=True))


def test_switch_returns_to_the_page_with_its_query(client):
    page = client.get("/stats?month=2026-01&lang=en").get_data(as_text=True)
    link = re.search(r'class="senior-switch" rel="nofollow" href="([^"]+)"', page).group(1)
    response = client.get(link.replace("&amp;", "&"))
    assert response.headers["Location"] == "/stats?month=2026-01&lang=en"
    assert "Large text" in page


def test_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "stats"):
        response = client.get("/senior-mode", query_string={"on": "1", "next": target})
        assert response.headers["Location"] == "/", target


def test_stylesheet_has_the_senior_block_and_3_to_1_input_borders():
    css = (Path(__file__).parents[2] / "disclosure/static/disclosure/site.css").read_text("utf-8")
    assert "html.senior body { font-size: 20px;" in css
    general = re.search(r"^input, select, button, textarea \{[^}]*\}", css, re.M).group(0)
    colour = re.search(r"border: 1px solid (#[0-9a-f]{6})", general).group(1)

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    assert (1.05) / (luminance(colour) + 0.05) >= 3
