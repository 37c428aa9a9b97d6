"""Text analysis: jieba segmentation (search mode), lower-cased Latin, pinyin for names.

Segmentation is jieba 0.42.1's algorithm with jieba's own dictionary (``dict.txt``) through
``jieba_fast_dat`` (a C++ double-array trie): the same token lists as jieba 0.42.1 on every
document of the bench corpus (tests/search/test_segmenter.py checks it on a sample),
segmenting ~4.6× faster, the dictionary loaded in ~0.6 s and held in ~44 MiB instead of
~64 MiB (``python -m bench.segmenters``). jieba-rs (``rjieba``, used until 2026-12-08) was
faster still but agreed on only 78% of documents: it cut report numbers such as ``jc-30``
differently from jieba, so queries and index disagreed with the reference segmentation.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from typing import Any

_ready = threading.Lock()
_tokenizer: Any = None
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"\w", re.UNICODE)
MAX_QUERY = 200


def jieba_dictionary() -> str:
    """The path of jieba 0.42.1's own dictionary (``dict.txt``), found without importing jieba."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.submodule_search_locations, "jieba is not installed"
    return str(Path(next(iter(spec.submodule_search_locations)), "dict.txt"))


def init_jieba() -> Any:
    """The segmenter, jieba's dictionary loaded once per process (call at start-up: it costs
    ~0.6 s)."""
    global _tokenizer
    if _tokenizer is None:
        with _ready:
            if _tokenizer is None:
                import logging

                import jieba_fast_dat

                logging.getLogger("jieba_fast_dat").setLevel(logging.WARNING)
                tokenizer = jieba_fast_dat.Tokenizer(jieba_dictionary())
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def clean(text: str | None, limit: int | None = None) -> str:
    """NFKC-normalised, control characters removed, whitespace collapsed."""
    value = unicodedata.normalize("NFKC", text or "")
    value = " ".join(_CONTROL.sub(" ", value).split())
    return value[:limit] if limit else value


def tokens(text: str | None) -> list[str]:
    """Search-mode tokens (overlapping Chinese words, lower-cased Latin words)."""
    tokenizer = init_jieba()
    out = []
    for word, _start, _end in tokenizer.tokenize(clean(text).lower(), mode="search"):
        word = word.strip()
        if word and _WORD.search(word):
            out.append(word)
    return out


def segmented(text: str | None) -> str:
    """Tokens joined by spaces: the same text for Whoosh, SQLite FTS5 and PostgreSQL."""
    return " ".join(tokens(text))


def pinyin_terms(name: str | None) -> list[str]:
    """Full pinyin and initials of each word and of the whole name (兰州 → lanzhou, lz), and
    their fuzzy spellings (see :func:`fuzzy`, marked with FUZZY_MARK: 0lanzou)."""
    # imported here: pypinyin's tables take ~55 MB, and only indexing spells names in pinyin
    # (queries are matched against the stored pinyin), so processes that never index
    # enterprises, such as most web workers, do not load them
    from pypinyin import Style, lazy_pinyin

    words = [w for w in init_jieba().cut(clean(name)) if w.strip()]
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
    # fuzzy spellings (FUZZY_MARK + fuzzy pinyin) of each word and of the name from each
    # word on, for the typo fallback: 兰州华源 → 0lanzou, 0lanzouhuayuan, 0huayuan
    for start in range(len(full_all)):
        out.add(FUZZY_MARK + fuzzy(full_all[start]))
        out.add(FUZZY_MARK + fuzzy("".join(full_all[start:])))
    return sorted(t for t in out if t)


def iter_query_terms(query: str) -> Iterator[str]:
    """Unique tokens of a user query, in order."""
    seen: set[str] = set()
    for token in tokens(query):
        if token not in seen:
            seen.add(token)
            yield token


# exact codes --------------------------------------------------------------------------------

#: every bracket people type around the year of a decision number (〔2023〕, (2023), [2023], …)
_BRACKETS = re.compile(r"[()\[\]{}〔〕【】〖〗〈〉《》「」『』﹝﹞<>]")
_SPACE = re.compile(r"\s+")


def code_key(text: str | None) -> str:
    """The one form of an exact code (USCC, permit number, penalty decision number) under which
    documents are indexed and queries are looked up.

    NFKC (full-width digits and （） → half-width), lower case, no spaces, no brackets of any
    kind, no 第 right after the year and no trailing 号: 兰环罚〔2023〕346号, 兰环罚(2023)346,
    兰环罚［２０２３］第346号 and 兰环罚2023346号 are all ``兰环罚2023346``; a USCC is its
    lower-case self.
    """
    value = _BRACKETS.sub("", _SPACE.sub("", clean(text).lower()))
    value = re.sub(r"(?<=\d)第(?=\d)", "", value)
    return value[:-1] if value.endswith("号") and len(value) > 1 else value


# pinyin typos -----------------------------------------------------------------------------

#: what marks a fuzzy-pinyin term in the pinyin field (no pinyin or initials start with a digit)
FUZZY_MARK = "0"
_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"), ("ü", "u"), ("v", "u"))
_LATIN_RUN = re.compile(r"[a-zü]+")
_char_pinyin: dict[str, str] | None = None


def fuzzy(pinyin: str) -> str:
    """Pinyin with the distinctions people blur when typing: zh/z, ch/c, sh/s, -ng/-n, ü/u
    (lanzhou and lanzou → ``lanzou``)."""
    value = pinyin.lower()
    for old, new in _FUZZY:
        value = value.replace(old, new)
    return value


def char_pinyin() -> dict[str, str]:
    """Each CJK character's most common reading, toneless (兰 → lan, 洲 → zhou).

    Read from pypinyin's own character table (a JSON file) without importing pypinyin, whose
    phrase tables take ~55 MB: a web worker spells a typo in pinyin with ~10 MB.
    """
    global _char_pinyin
    if _char_pinyin is None:
        import importlib.util
        import json
        from pathlib import Path

        spec = importlib.util.find_spec("pypinyin")
        assert spec is not None and spec.submodule_search_locations
        path = Path(next(iter(spec.submodule_search_locations)), "pinyin_dict.json")
        table: dict[str, str] = {}
        for point, readings in json.loads(path.read_text("utf-8")).items():
            if 0x4E00 <= int(point) <= 0x9FFF:
                first = unicodedata.normalize("NFD", readings.split(",")[0])
                first = first.replace("u\u0308", "v")  # ü as pypinyin spells it: lv
                table[chr(int(point))] = "".join(c for c in first if not unicodedata.combining(c))
        _char_pinyin = table
    return _char_pinyin


def fuzzy_key(text: str | None) -> str:
    """A query spelt in fuzzy pinyin, Chinese characters by their common reading and Latin
    letters as typed (兰洲 → ``lanzou``, "Lan Zou" → ``lanzou``); "" when it has neither, or
    anything else (digits, codes)."""
    table = char_pinyin()
    out = []
    for char in clean(text).lower():
        if char in table:
            out.append(table[char])
        elif char.isascii() and char.isalpha():
            out.append(char)
        elif char.isspace() or char in "'·-":
            continue
        else:
            return ""
    return fuzzy("".join(out))


def spelt_like(title: str, key: str) -> str | None:
    """The first run of characters in ``title`` that sounds like ``key`` (a fuzzy_key, or its
    beginning): 兰州华源化工有限公司 and ``lanzou`` → 兰州; None if there is none."""
    table = char_pinyin()
    for start in range(len(title)):
        raw = ""
        for end in range(start, min(len(title), start + 12)):
            if title[end] not in table:
                break
            raw += table[title[end]]
            spelt = fuzzy(raw)
            if spelt.startswith(key):
                return title[start : end + 1]
            if not key.startswith(spelt):
                break
    return None
