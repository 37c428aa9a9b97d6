"""The reward rules (``reward_rules.toml``): bands by severity × outcome, the first-reporter
rule and the caps, parsed and validated; every error names the file, the key and the problem.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from credit.tipoffs.models import TIPOFF_SEVERITIES

RULES_FILE = Path(__file__).parent / "reward_rules.toml"
TOP_KEYS = frozenset(
    {
        "version",
        "currency",
        "first_reporter_only",
        "annual_cap_per_reporter",
        "per_case_cap",
        "outcomes",
        "bands",
    }
)
_KEY = re.compile(r"^[a-z][a-z_]{0,23}$")


class RewardRulesError(ValueError):
    """The rules file is missing, not TOML, or breaks a rule of its format."""


@dataclass(frozen=True)
class RewardRules:
    """The validated reward rules; amounts in whole yuan."""

    version: int
    currency: str
    first_reporter_only: bool
    annual_cap_per_reporter: int
    per_case_cap: int
    #: outcome key → its Chinese name, in file order
    outcomes: dict[str, str]
    #: severity → outcome → amount
    bands: dict[str, dict[str, int]]

    def band(self, severity: str, outcome: str) -> int:
        """The default amount for a case of ``severity`` that led to ``outcome``."""
        return self.bands[severity][outcome]


def _fail(source: str, key: str, problem: str) -> RewardRulesError:
    return RewardRulesError(
        f"奖励规则文件 {source}：{key} {problem} / reward rules {source}: {key}: {problem}"
    )


def _amount(source: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(source, key, f"must be a whole number of yuan, got {value!r}")
    if value <= 0:
        raise _fail(source, key, f"must be positive, got {value}")
    return value


def parse_rules(data: dict[str, Any], source: str = "reward_rules.toml") -> RewardRules:
    """Validate the TOML document ``data`` (already parsed)."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise _fail(source, unknown[0], f"is not a known key (known: {sorted(TOP_KEYS)})")
    for key in sorted(TOP_KEYS):
        if key not in data:
            raise _fail(source, key, "is required")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(source, "version", f"must be a whole number ≥ 1, got {version!r}")
    if data["currency"] != "CNY":
        raise _fail(source, "currency", f'must be "CNY", got {data["currency"]!r}')
    first = data["first_reporter_only"]
    if not isinstance(first, bool):
        raise _fail(source, "first_reporter_only", f"must be true or false, got {first!r}")
    annual = _amount(source, "annual_cap_per_reporter", data["annual_cap_per_reporter"])
    per_case = _amount(source, "per_case_cap", data["per_case_cap"])

    outcomes_table = data["outcomes"]
    if not isinstance(outcomes_table, dict) or not outcomes_table:
        raise _fail(source, "outcomes", 'must be a non-empty table of key = "中文名称"')
    outcomes: dict[str, str] = {}
    for key, name in outcomes_table.items():
        if not _KEY.match(key):
            raise _fail(source, f"outcomes.{key}", "must be lower-case letters and _")
        if not isinstance(name, str) or not name.strip():
            raise _fail(source, f"outcomes.{key}", f"must be a non-empty name, got {name!r}")
        outcomes[key] = name.strip()

    bands_table = data["bands"]
    if not isinstance(bands_table, dict):
        raise _fail(source, "bands", "must be a table of [bands.<severity>]")
    extra = sorted(set(bands_table) - set(TIPOFF_SEVERITIES))
    if extra:
        raise _fail(source, f"bands.{extra[0]}", f"is not a severity {TIPOFF_SEVERITIES}")
    bands: dict[str, dict[str, int]] = {}
    for severity in TIPOFF_SEVERITIES:
        row = bands_table.get(severity)
        if not isinstance(row, dict):
            raise _fail(source, f"bands.{severity}", "is required (one amount per outcome)")
        wrong = sorted(set(row) - set(outcomes))
        if wrong:
            raise _fail(source, f"bands.{severity}.{wrong[0]}", "is not one of [outcomes]")
        bands[severity] = {}
        for outcome in outcomes:
            key = f"bands.{severity}.{outcome}"
            if outcome not in row:
                raise _fail(source, key, "is required")
            amount = _amount(source, key, row[outcome])
            if amount > per_case:
                raise _fail(source, key, f"{amount} exceeds per_case_cap {per_case}")
            if amount > annual:
                raise _fail(source, key, f"{amount} exceeds annual_cap_per_reporter {annual}")
            bands[severity][outcome] = amount
    return RewardRules(version, "CNY", first, annual, per_case, outcomes, bands)


def load_rules_file(path: Path) -> RewardRules:
    """Read and validate one rules file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(path.name, "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path.name, "(file)", f"is not valid TOML: {exc}") from exc
    return parse_rules(data, path.name)


@lru_cache(maxsize=1)
def reward_rules() -> RewardRules:
    """The platform's rules (``credit/rewards/reward_rules.toml``), read once."""
    return load_rules_file(RULES_FILE)
