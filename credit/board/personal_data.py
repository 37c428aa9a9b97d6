"""Personal data in free text: mobile and landline numbers, ID card numbers, e-mail addresses.

A message that contains any of them is held for a moderator instead of waiting as a plain
one; the moderator removes the data (or refuses the message) before it can be published,
and publishing re-runs the check. Patterns err on the side of holding: a moderator's look
costs less than a stranger's phone number on a government site.
"""

from __future__ import annotations

import re
import unicodedata

# digits may be split by spaces, dots or dashes ("138 1234 5678", "0931-8888888")
_SEP = r"[ \-.]?"
_MOBILE = re.compile(rf"(?<!\d)(?:\+?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ \-]?\d{7,8}(?!\d)")
# 18-character resident ID (GB 11643): region, birth date, sequence, check character
_ID_CARD = re.compile(
    r"(?<![\dA-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dA-Za-z])"
)
_ID_CARD_OLD = re.compile(r"(?<!\d)\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def _normal(text: str) -> str:
    """Full-width digits, letters and @ (１３８…, ＠) folded to their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def personal_data(text: str) -> list[str]:
    """The kinds of personal data found in ``text`` (``phone``, ``id_card``, ``email``)."""
    value = _normal(text)
    found = []
    if _ID_CARD.search(value) or _ID_CARD_OLD.search(value):
        found.append("id_card")
        value = _ID_CARD_OLD.sub(" ", _ID_CARD.sub(" ", value))
    if _MOBILE.search(value) or _LANDLINE.search(value):
        found.append("phone")
    if _EMAIL.search(value):
        found.append("email")
    return found
