"""Text analysis: quiet jieba segmentation (search mode), lower-cased Latin, pinyin for names."""

from __future__ import annotations

import logging
import re
import sys
import threading
import unicodedata
from collections.abc import Iterator
from typing import Any


def _import_jieba() -> Any:
    """jieba, imported without ``pkg_resources``.

    jieba finds its dictionary files through ``pkg_resources`` when that imports (5 MB in
    every process, and a deprecation warning) and otherwise opens them next to its own
    module, which is where they are. So ``pkg_resources`` is hidden while jieba is imported
    (at start-up, before any other thread runs); nothing else is affected.
    """
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import → ImportError
    try:
        import jieba
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()

_ready = threading.Lock()
_initialised = False
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"\w", re.UNICODE)
MAX_QUERY = 200


def init_jieba() -> None:
    """Load jieba's dictionary once per process, silently (call at start-up)."""
    global _initialised
    with _ready:
        if not _initialised:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _initialised = True


def clean(text: str | None, limit: int | None = None) -> str:
    """NFKC-normalised, control characters removed, whitespace collapsed."""
    value = unicodedata.normalize("NFKC", text or "")
    value = " ".join(_CONTROL.sub(" ", value).split())
    return value[:limit] if limit else value


def tokens(text: str | None) -> list[str]:
    """Search-mode tokens (overlapping Chinese words, lower-cased Latin words)."""
    init_jieba()
    out = []
    for word, _start, _end in jieba.tokenize(clean(text).lower(), mode="search"):
        word = word.strip()
        if word and _WORD.search(word):
            out.append(word)
    return out


def segmented(text: str | None) -> str:
    """Tokens joined by spaces: the same text for Whoosh, SQLite FTS5 and PostgreSQL."""
    return " ".join(tokens(text))


def pinyin_terms(name: str | None) -> list[str]:
    """Full pinyin and initials of each word and of the whole name (兰州 → lanzhou, lz)."""
    # imported here: pypinyin's tables take ~55 MB, and only indexing spells names in pinyin
    # (queries are matched against the stored pinyin), so processes that never index
    # enterprises, such as most web workers, do not load them
    from pypinyin import Style, lazy_pinyin

    init_jieba()
    words = [w for w in jieba.cut(clean(name)) if w.strip()]
    out: set[str] = set()
    full_all, initials_all = [], []
    for word in words:
        full = "".join(lazy_pinyin(word)).lower()
        initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER)).lower()
        if full.isascii() and full.isalnum():
            out.update({full, initials})
            full_all.append(full)
            initials_all.append(initials)
    out.update({"".join(full_all), "".join(initials_all)})
    return sorted(t for t in out if t)


def iter_query_terms(query: str) -> Iterator[str]:
    """Unique tokens of a user query, in order."""
    seen: set[str] = set()
    for token in tokens(query):
        if token not in seen:
            seen.add(token)
            yield token
