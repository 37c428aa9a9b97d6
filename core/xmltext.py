"""Text that XML 1.0 can carry: every XML output (Atom, Open311 XML) passes stored strings
through :func:`xml_text`, so no stored value can make a document ill-formed.

XML 1.0 allows TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF; anything
else (C0 controls such as U+000B pasted from Word, lone surrogates, U+FFFE/U+FFFF) is
dropped. Imports and API writes refuse control characters in the first place
(``CONTROL_CHARACTERS``); this is the belt to those braces, for data stored earlier.
"""

from __future__ import annotations

import re

#: characters XML 1.0 cannot represent at all
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: C0/C1 controls other than TAB, LF and CR: refused in imported and API-written text
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def xml_text(value: object) -> str:
    """``value`` as a string with every character XML 1.0 forbids removed."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds a control character other than TAB, LF and CR."""
    return bool(CONTROL_CHARACTERS.search(value))
