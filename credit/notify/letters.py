"""Mail content: every mail in zh-CN first, then English, as plain text and as HTML.

A :class:`Letter` holds its words as :class:`core.messages.Msg` (a Chinese msgid and its
English from the catalogue), so one letter renders both languages without switching locale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import escape

from core.messages import Msg, msg

TEMPLATES = Path(__file__).parent / "templates"
#: items one mail lists (the rest are counted)
MAX_LINES = 50
#: stands for the unsubscribe link while a letter is rendered once for many subscribers
_LINK = "https://unsubscribe.invalid/envcredit-link"


@dataclass(frozen=True)
class Line:
    """A listed item (an event): its text in both languages and a link."""

    zh: str
    en: str
    link: str


@dataclass(frozen=True)
class Letter:
    """What a mail says: a subject, paragraphs, an optional button, listed items, and the
    unsubscribe link (when the mail belongs to a subscription)."""

    subject: Msg
    paragraphs: tuple[Msg, ...]
    action: tuple[Msg, str] | None = None
    lines: tuple[Line, ...] = ()
    unsubscribe_url: str | None = None
    closing: tuple[Msg, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _part(letter: Letter, lang: str) -> dict[str, object]:
    def say(text: Msg) -> str:
        return text.en if lang == "en" else text.zh

    return {
        "lang": lang,
        "colon": ": " if lang == "en" else "：",
        "subject": say(letter.subject),
        "paragraphs": [say(p) for p in letter.paragraphs],
        "action": (say(letter.action[0]), letter.action[1]) if letter.action else None,
        "lines": [(line.en if lang == "en" else line.zh, line.link) for line in letter.lines],
        "closing": [say(p) for p in letter.closing],
        "unsubscribe": say(msg("不想再收到这类邮件？一键退订：")) if letter.unsubscribe_url else "",
    }


def render(letter: Letter) -> Rendered:
    """The subject (both languages), the plain-text body and the HTML body."""
    parts = [_part(letter, "zh-CN"), _part(letter, "en")]
    subject = letter.subject.zh
    if letter.subject.en and letter.subject.en != letter.subject.zh:
        subject = f"{letter.subject.zh} | {letter.subject.en}"
    values = {"parts": parts, "unsubscribe_url": letter.unsubscribe_url, "subject": subject}
    env = _env()
    return Rendered(
        subject=subject,
        text=env.get_template("mail/letter.txt").render(values),
        html=env.get_template("mail/letter.html").render(values),
    )


def render_for_many(letter: Letter) -> Callable[[str], Rendered]:
    """Render ``letter`` once for many subscribers: the returned function gives the mail
    with one subscriber's unsubscribe link, as :func:`render` would with that link."""
    base = render(replace(letter, unsubscribe_url=_LINK))
    html_link = str(escape(_LINK))

    def with_link(url: str) -> Rendered:
        return Rendered(
            base.subject,
            base.text.replace(_LINK, url),
            base.html.replace(html_link, str(escape(url))),
        )

    return with_link
