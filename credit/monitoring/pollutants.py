"""The HJ 212-2017 pollutant codes (附录 B) the portal names, with their units.

Pages show a code's name (a zh-CN msgid, translated on use) and formula; an unknown code is
shown as it is. Concentrations are mg/m³ (gas) and mg/L (water); PM at stations is μg/m³.
"""

from __future__ import annotations

#: code → (name msgid, short formula, unit)
POLLUTANTS: dict[str, tuple[str, str, str]] = {
    "a21026": ("二氧化硫", "SO₂", "mg/m³"),
    "a21002": ("氮氧化物", "NOx", "mg/m³"),
    "a34013": ("颗粒物", "PM", "mg/m³"),
    "a21005": ("一氧化碳", "CO", "mg/m³"),
    "a21024": ("氯化氢", "HCl", "mg/m³"),
    "a24088": ("非甲烷总烃", "NMHC", "mg/m³"),
    "a34004": ("细颗粒物", "PM2.5", "μg/m³"),
    "a34002": ("可吸入颗粒物", "PM10", "μg/m³"),
    "a05024": ("臭氧", "O₃", "μg/m³"),
    "w01018": ("化学需氧量", "COD", "mg/L"),
    "w21003": ("氨氮", "NH₃-N", "mg/L"),
    "w21011": ("总磷", "TP", "mg/L"),
    "w21001": ("总氮", "TN", "mg/L"),
    "w01001": ("pH 值", "pH", ""),
}
#: the particulate matter a station's chart shows, in this order
PM25, PM10 = "a34004", "a34002"
STATION_CHART_POLLUTANTS = (PM25, PM10)


def pollutant_name(code: str) -> str:
    """The name msgid of ``code`` (the code itself when unknown)."""
    return POLLUTANTS[code][0] if code in POLLUTANTS else code


def pollutant_formula(code: str) -> str:
    return POLLUTANTS[code][1] if code in POLLUTANTS else code


def pollutant_unit(code: str) -> str:
    return POLLUTANTS[code][2] if code in POLLUTANTS else ""
