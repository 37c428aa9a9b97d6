"""The departments a tip-off may be transferred to, from ``agencies.toml`` (data, like the
case classes): loaded and validated once; a bad file is refused with the key and the problem."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AGENCIES_FILE = Path(__file__).with_name("agencies.toml")
MAX_NAME = 100


class AgenciesFileError(ValueError):
    """The agencies file is unreadable or breaks a rule."""


@dataclass(frozen=True)
class Agency:
    """Another department: its Chinese name (the key) and its English."""

    zh: str
    en: str


def _agency(path: Path, index: int, entry: Any) -> Agency:
    key = f"agency[{index}]"
    if not isinstance(entry, dict) or set(entry) != {"zh", "en"}:
        raise AgenciesFileError(f"{path.name}: {key}: must have exactly the keys zh and en")
    for name in ("zh", "en"):
        value = entry[name]
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
            raise AgenciesFileError(
                f"{path.name}: {key}.{name}: must be a text of 1–{MAX_NAME} characters"
            )
    return Agency(entry["zh"].strip(), entry["en"].strip())


def parse_agencies(text: str, path: Path = AGENCIES_FILE) -> tuple[Agency, ...]:
    """The agencies in the file's text, validated (AgenciesFileError otherwise)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgenciesFileError(f"{path.name}: (file): not valid TOML ({exc})") from exc
    entries = data.get("agency")
    if not isinstance(entries, list) or not entries:
        raise AgenciesFileError(f"{path.name}: agency: missing [[agency]] tables")
    agencies = tuple(_agency(path, i, e) for i, e in enumerate(entries))
    names = [a.zh for a in agencies]
    if len(set(names)) != len(names):
        raise AgenciesFileError(f"{path.name}: agency: a name is listed twice")
    return agencies


@cache
def agencies() -> tuple[Agency, ...]:
    """The agencies of ``agencies.toml`` (read once)."""
    return parse_agencies(AGENCIES_FILE.read_text(encoding="utf-8"))


def find_agency(name: str) -> Agency | None:
    """The listed agency called ``name`` (its Chinese name), or None."""
    return next((a for a in agencies() if a.zh == name.strip()), None)
