"""User-facing messages from services: a Chinese msgid, its English from the Babel catalogue.

Services raise errors and return notes without knowing the reader's language.
``msg("未找到该企业")`` makes a :class:`Msg`: it *is* the bilingual string
``"未找到该企业 / no enterprise matches"`` (what the API's problem details, the CLI and logs
show), and it carries ``zh`` and ``en`` apart so that a page
shows only its own language (``in_lang`` in templates, :func:`in_language` in code). The English
comes from ``core/translations/en`` (filled by ``scripts/en_messages.py``, which extracts every
``msg(...)`` call), so a message is written once, in Chinese, and translated in one place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).parent / "translations"


@cache
def _english() -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), ["en"])


class Msg(str):
    """A message in both languages; ``str(m)`` is ``"中文 / English"`` (中文 alone if equal)."""

    zh: str
    en: str

    def __new__(cls, zh: str, en: str) -> Msg:
        text = zh if not en or en == zh else f"{zh} / {en}"
        self = super().__new__(cls, text)
        self.zh = zh
        self.en = en or zh
        return self

    def __add__(self, other: object) -> Any:
        """``Msg + Msg`` (or + str) joins both languages (a message and its details)."""
        if isinstance(other, Msg):
            return Msg(self.zh + other.zh, self.en + other.en)
        if isinstance(other, str):
            return Msg(self.zh + other, self.en + other)
        return NotImplemented

    def __reduce__(self) -> tuple[Any, ...]:
        return (Msg, (self.zh, self.en))


def msg(msgid: str, **params: Any) -> Msg:
    """The message ``msgid`` (Chinese, with ``%(name)s`` placeholders) in both languages."""
    english = _english().gettext(msgid)
    if params:
        values = {k: (v.en if isinstance(v, Msg) else v) for k, v in params.items()}
        zh_values = {k: (v.zh if isinstance(v, Msg) else v) for k, v in params.items()}
        return Msg(msgid % zh_values, english % values)
    return Msg(msgid, english)


def in_language(text: Any, lang: str) -> str:
    """``text`` in ``lang`` ("en" or "zh-CN"): a :class:`Msg`, a zh/en pair object or tuple, or
    any other value as it is."""
    english = lang.startswith("en")
    if isinstance(text, tuple) and len(text) == 2:
        return str(text[1] if english else text[0])
    if hasattr(text, "zh") and hasattr(text, "en"):
        return str(text.en if english else text.zh)
    return "" if text is None else str(text)
