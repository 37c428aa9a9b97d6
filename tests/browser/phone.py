"""What the phone-sized browser tests share: the marks (Chromium, axe-core), the 390 px
viewport, a click that waits for the next page, the no-sideways-scroll check, an axe-core run
and the password sign-in form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM
from tests.factories import PASSWORD

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: the standards the portal states conformance with (WCAG 2.1 AA; GB/T 37668-2019 follows it)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PHONE = {"width": 390, "height": 844}

NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]
NEEDS_AXE = [
    *NEEDS_CHROMIUM,
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make browser-deps)"),
]


def submit(page, selector: str) -> None:
    """Click ``selector`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def fits(page) -> None:
    """The page does not scroll sideways on the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def axe_violations(page) -> list[dict]:
    """axe-core's violations of AXE_TAGS on the page (the context must allow scripts and
    bypass the CSP): id, impact and the first three nodes of each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        AXE_TAGS,
    )
    return list(found)


def axe(page) -> None:
    """No axe-core violation of AXE_TAGS on the page."""
    found = axe_violations(page)
    assert not found, (page.url, json.dumps(found, ensure_ascii=False))


def sign_in(page, server: str, email: str, password: str = PASSWORD) -> None:
    """The login form's password step (a regulator then still owes the second factor)."""
    page.goto(f"{server}/regulator/login")
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, "form.stack button[type=submit]")
