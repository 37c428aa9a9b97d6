"""Reading the form's answers: field names ``part.field`` and, for the emissions table,
``pollution.emissions.N.pollutant`` / ``.tonnes``; each answer checked for its kind."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import Invalid
from core.messages import msg
from credit.annual_reports.parts import MAX_EMISSION_ROWS, MAX_TEXT, PARTS, Field, Part

#: the largest number a field takes (tonnes)
MAX_NUMBER = Decimal("1e11")


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value <= MAX_NUMBER else None


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _emissions(form: Mapping[str, str], name: str, errors: dict[str, list[str]]) -> list:
    rows = []
    for i in range(MAX_EMISSION_ROWS):
        pollutant = _clean(form.get(f"{name}.{i}.pollutant", ""))[:32]
        tonnes = _clean(form.get(f"{name}.{i}.tonnes", ""))
        if not pollutant and not tonnes:
            continue
        value = _number(tonnes) if tonnes else None
        if not pollutant or value is None:
            errors[f"{name}.{i}"] = [
                msg("第 %(n)s 行：须填写污染物名称和不小于 0 的排放量（吨）", n=i + 1)
            ]
            continue
        rows.append({"pollutant": pollutant, "tonnes": format(value.normalize(), "f")})
    return rows


def _answer(form: Mapping[str, str], p: Part, f: Field, errors: dict[str, list[str]]) -> Any:
    name = f"{p.key}.{f.key}"
    if f.kind == "emissions":
        return _emissions(form, name, errors)
    text = _clean(form.get(name, ""))
    if len(text) > MAX_TEXT:
        errors[name] = [msg("不超过 %(n)s 个字符", n=MAX_TEXT)]
    elif f.kind == "number" and text and _number(text) is None:
        errors[name] = [msg("须为不小于 0 的数字")]
    return text[:MAX_TEXT]


def read_answers(form: Mapping[str, str]) -> dict[str, Any]:
    """The answers of a posted form, {part: {field: value}}; Invalid naming each bad field
    (nothing is stored)."""
    errors: dict[str, list[str]] = {}
    answers = {p.key: {f.key: _answer(form, p, f, errors) for f in p.fields} for p in PARTS}
    if errors:
        raise Invalid(msg("表单中有 %(n)s 处错误，未保存", n=len(errors)), errors)
    return answers


def posted_answers(form: Mapping[str, str]) -> dict[str, Any]:
    """A posted form as it was typed (unchecked), to show again after a refusal."""
    answers: dict[str, Any] = {
        p.key: {f.key: form.get(f"{p.key}.{f.key}", "") for f in p.fields} for p in PARTS
    }
    name = "pollution.emissions"
    answers["pollution"]["emissions"] = [
        {
            "pollutant": form.get(f"{name}.{i}.pollutant", ""),
            "tonnes": form.get(f"{name}.{i}.tonnes", ""),
        }
        for i in range(MAX_EMISSION_ROWS)
        if form.get(f"{name}.{i}.pollutant") or form.get(f"{name}.{i}.tonnes")
    ]
    return answers


def is_complete(p: Part, answers: Mapping[str, Any]) -> bool:
    """Every required field of part ``p`` answered (the emissions table: one row at least)."""
    given = answers.get(p.key) or {}
    return all(bool(given.get(f.key)) for f in p.fields if f.required)
