"""Languages: zh-CN first, English second, chosen by ?lang=, a cookie or the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_babel import Babel

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


def init_i18n(app: Flask) -> Babel:
    """Configure flask-babel with the shared translation catalogue."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel = Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.context_processor(_template_helpers)
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

    return {"html_lang": lang, "lang_query": lang_query, "in_lang": in_lang}
