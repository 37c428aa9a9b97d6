"""An Atom validator for tests: RFC 4287's own schema, its Schematron rules, and feedparser."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import feedparser
from lxml import etree

SCHEMA = Path(__file__).parent / "data" / "atom.rng"
NS = {"atom": "http://www.w3.org/2005/Atom"}
#: the two s:rule assertions of RFC 4287 Appendix B, which RELAX NG validators skip
RULES = (
    (
        "/atom:feed",
        "atom:author or not(atom:entry[not(atom:author)])",
        "an atom:feed must have an atom:author unless all of its entries have one",
    ),
    (
        "//atom:entry",
        "atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content",
        "an atom:entry must have an alternate link or content",
    ),
    (
        "//atom:entry",
        "atom:author or ../atom:author or atom:source/atom:author",
        "an atom:entry must have an atom:author if its feed does not",
    ),
)


@cache
def _schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def atom_problems(document: bytes) -> list[str]:
    """Why ``document`` is not a valid Atom feed (empty when it is)."""
    try:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"]
    problems = []
    schema = _schema()
    if not schema.validate(root):
        problems += [f"RFC 4287 schema: {e.message} (line {e.line})" for e in schema.error_log]
    for context, test, message in RULES:
        for node in root.xpath(context, namespaces=NS):
            if not node.xpath(f"boolean({test})", namespaces=NS):
                problems.append(f"RFC 4287 rule: {message}")
    ids = root.xpath("//atom:entry/atom:id/text()", namespaces=NS)
    if len(ids) != len(set(ids)):
        problems.append("entry ids are not unique")
    parsed = feedparser.parse(document)
    if parsed.bozo or parsed.version != "atom10":
        problems.append(
            f"feedparser: bozo={parsed.bozo} version={parsed.version!r} "
            f"{parsed.get('bozo_exception')!r}"
        )
    return problems


def assert_valid_atom(document: bytes) -> None:
    """Fail with every reason when ``document`` is not valid Atom."""
    problems = atom_problems(document)
    assert not problems, "\n".join(problems)
