"""Languages: zh-CN first, English second, chosen by ?lang=, a cookie or the browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_babel import Babel
from markupsafe import Markup

from core.errors import DomainError, describe_in, details_in
from core.messages import in_language

LANGUAGES = ("zh_Hans_CN", "en")
DEFAULT_LOCALE = "zh_Hans_CN"
COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"
_ALIASES = {
    "zh": "zh_Hans_CN",
    "zh-cn": "zh_Hans_CN",
    "zh_cn": "zh_Hans_CN",
    "zh-hans": "zh_Hans_CN",
    "zh_hans_cn": "zh_Hans_CN",
    "en": "en",
    "en-us": "en",
    "en_us": "en",
    "en-gb": "en",
}


def normalise_lang(value: str | None) -> str | None:
    """Map what users type (``en``, ``zh-CN``) to a supported locale, or None."""
    if not value:
        return None
    return _ALIASES.get(value.strip().lower())


def select_locale() -> str:
    """?lang= wins, then the language cookie, then Accept-Language, then zh-CN."""
    chosen = normalise_lang(request.args.get("lang")) or normalise_lang(request.cookies.get(COOKIE))
    if chosen:
        g.lang_choice = chosen
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"])
    return "en" if best == "en" else DEFAULT_LOCALE


def _remember_choice(response: Any) -> Any:
    chosen = normalise_lang(request.args.get("lang"))
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response


def html_lang(locale: str) -> str:
    """The value for <html lang=…>."""
    return "en" if locale.startswith("en") else "zh-CN"


_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_HAN = re.compile(f"[{_CJK}]")
#: a run of Chinese, digits and brackets between Chinese characters included (兰环罚〔2026〕20号)
_RUN = re.compile(f"[0-9.,]*[{_CJK}]+(?:[0-9 .·()\\-]*[{_CJK}]+)*")
_WORD = re.compile("[A-Za-z]{2,}")


def page_lang() -> str:
    """The language of the page being rendered: "en" or "zh-CN"."""
    from flask_babel import get_locale

    return html_lang(str(get_locale() or DEFAULT_LOCALE))


def zh(value: Any, lang: str | None = None) -> Any:
    """``{{ name|zh }}``: Chinese data on an English page marked ``lang="zh-CN"`` (so that a
    screen reader reads it with a Chinese voice): all of it in one ``<span>``, or in English
    text with Chinese terms (``Penalty 兰环罚〔2026〕20号``) each Chinese run. On a Chinese
    page, or for text without Chinese, the value as it is (escaped as usual). ``lang`` (the
    page's language, when the caller knows it) saves looking it up for each of many values."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if (lang or page_lang()) != "en" or not _HAN.search(text):
        return text
    span = Markup('<span lang="zh-CN">%s</span>')
    if not _WORD.search(_RUN.sub("", text)):
        return span % text
    out, at = Markup(), 0
    for run in _RUN.finditer(text):
        out += text[at : run.start()]
        out += span % run.group()
        at = run.end()
    return out + text[at:]


def init_i18n(app: Flask) -> Babel:
    """Configure flask-babel with the shared translation catalogue."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel = Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.context_processor(_template_helpers)
    app.add_template_filter(zh, "zh")
    return babel


def _template_helpers() -> dict[str, Any]:
    from urllib.parse import urlencode

    from flask_babel import get_locale

    def lang_query(lang: str) -> str:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        return urlencode([*args, ("lang", lang)])

    lang = html_lang(str(get_locale() or DEFAULT_LOCALE))

    def in_lang(text: Any) -> str:
        """The page's language of a zh/en pair: a Msg, an object with ``zh`` and ``en``, or a
        tuple; anything else as it is."""
        return in_language(text, lang)

    def error_text(error: Any) -> str:
        """A DomainError (its message and field details) or a message, in the page's language."""
        if isinstance(error, DomainError):
            return describe_in(error, lang)
        return in_language(error, lang)

    def error_message(error: Any) -> str:
        return in_language(error.message if isinstance(error, DomainError) else error, lang)

    def error_details(error: Any) -> list[tuple[str, str]]:
        """(human field label, text) of a DomainError's field details, in the page's language."""
        return details_in(error, lang) if isinstance(error, DomainError) else []

    return {
        "html_lang": lang,
        "lang_query": lang_query,
        "in_lang": in_lang,
        "error_text": error_text,
        "error_message": error_message,
        "error_details": error_details,
    }
