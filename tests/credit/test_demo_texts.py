"""Demo penalties state the fine they record (partner F19: 罚款人民币21万元 vs 213100.00)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from credit.demo.generate import Places, generate, yuan_text

PLACES = Places(
    {"620100": ["620102", "620103"], "110000": ["110101"]},
    {"C26": ["C26", "C2611"], "D44": ["D44"]},
)
STATED = re.compile(r"罚款人民币([0-9][0-9,]*(?:\.[0-9]+)?)(万)?元")


def _stated_fen(text: str) -> list[int]:
    amounts = []
    for number, wan in STATED.findall(text):
        yuan = Decimal(number.replace(",", "")) * (10_000 if wan else 1)
        amounts.append(int(yuan * 100))
    return amounts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_demo_penalty_text_states_its_fine_amount_exactly(seed):
    penalties = [p for rows in generate(PLACES, 400, seed) for p in rows["penalties"]]
    assert len(penalties) > 100
    fined = 0
    for p in penalties:
        stated = _stated_fen(f"{p['content']} {p['facts']}")
        if p["fine_amount_fen"]:
            fined += 1
            assert stated == [p["fine_amount_fen"]], (p["decision_no"], p["content"])
        else:
            assert stated == [] and "罚款" not in p["penalty_kinds"], p["content"]
    assert fined > 50


def test_amounts_are_written_with_grouping_and_fen_only_when_needed():
    assert yuan_text(21_310_000) == "213,100"
    assert yuan_text(150) == "1.50" and yuan_text(5) == "0.05" and yuan_text(0) == "0"
    assert _stated_fen("罚款人民币21.31万元") == [21_310_000]
