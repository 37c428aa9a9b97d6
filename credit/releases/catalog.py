"""The DCAT-AP catalog (JSON-LD) of the open-data releases: a dcat:Catalog with a dcat:Dataset
per public dataset and a dcat:Distribution per file of each release, with its checksum
(spdx:checksum) and absolute download URL. ``list_releases`` is the one listing (the /data
page reads it too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from credit.records.export_schema import COLUMNS, LICENSE
from credit.records.exports import RESOURCES
from credit.releases.store import Release, ReleaseFile, list_releases

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcatap": "http://data.europa.eu/r5r/",
}
IANA = "http://www.iana.org/assignments/media-types/"
#: dataset → (title zh, title en, description zh, description en)
DATASETS = {
    "enterprises": (
        "企业及其当前信用等级",
        "Enterprises and their current credit level",
        "每家企业的登记信息、所在地区与行业、当前公布的信用等级与得分。",
        "Each enterprise's registration, region, industry and published credit level.",
    ),
    "ratings": (
        "企业环境信用评价结果",
        "Environmental credit ratings",
        "每家企业的当前评价：得分、公布等级、规则计算的等级及评价规则版本。",
        "Each enterprise's current rating: score, levels and the rulebook version.",
    ),
    "penalties": (
        "行政处罚公示",
        "Administrative penalties (双公示)",
        "公示期内的环境行政处罚决定。",
        "Environmental administrative penalty decisions within their publication period.",
    ),
}
FORMATS = {"csv": "CSV", "ndjson": "NDJSON"}


def _text(zh: str, en: str) -> list[dict[str, str]]:
    return [{"@value": zh, "@language": "zh-CN"}, {"@value": en, "@language": "en"}]


def _date(value: str) -> dict[str, str]:
    return {"@value": value, "@type": "xsd:date"}


def _distribution(release: Release, file: ReleaseFile, url: str) -> dict[str, Any]:
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": f"{file.name} ({release.id})",
        "dcat:downloadURL": {"@id": url},
        "dcat:accessURL": {"@id": url},
        "dcat:mediaType": {"@id": IANA + file.mediatype},
        "dct:format": FORMATS[file.format],
        "dcat:byteSize": {"@value": str(file.bytes), "@type": "xsd:nonNegativeInteger"},
        "dct:issued": _date(release.id),
        "dct:license": {"@id": LICENSE["path"]},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": file.sha256, "@type": "xsd:hexBinary"},
        },
        "dcatap:availability": {"@id": "http://data.europa.eu/r5r/stable"},
    }


def dcat_catalog(
    instance_path: str,
    catalog_url: str,
    file_url: Callable[[str, str], str],
    homepage: str,
) -> dict[str, Any]:
    """The catalog of every release as a JSON-LD document; ``file_url(release_id, name)``
    gives a file's absolute download URL (PUBLIC_BASE_URL)."""
    releases = list_releases(instance_path)
    datasets = []
    for name in RESOURCES:
        title_zh, title_en, desc_zh, desc_en = DATASETS[name]
        files = [(r, f) for r in releases for f in r.files if f.dataset == name]
        dataset: dict[str, Any] = {
            "@id": f"{catalog_url}#{name}",
            "@type": "dcat:Dataset",
            "dct:identifier": name,
            "dct:title": _text(title_zh, title_en),
            "dct:description": _text(desc_zh, desc_en),
            "dcat:keyword": [COLUMNS[c].en for c, _kind in RESOURCES[name].fields[:3]],
            "dct:license": {"@id": LICENSE["path"]},
            "dcat:landingPage": {"@id": homepage},
            "dcat:distribution": [_distribution(r, f, file_url(r.id, f.name)) for r, f in files],
        }
        if releases:
            dataset["dct:issued"] = _date(releases[-1].id)
            dataset["dct:modified"] = _date(releases[0].id)
        datasets.append(dataset)
    catalog: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": _text("企业环境信用公开数据", "Enterprise environmental credit open data"),
        "dct:description": _text(
            "企业环境信用评价、行政处罚公示等公开数据的按期发布，每份文件附 SHA-256 校验值。",
            "Dated releases of the public credit data; every file with its SHA-256.",
        ),
        "dct:language": [
            {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
            {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
        ],
        "dct:license": {"@id": LICENSE["path"]},
        "foaf:homepage": {"@id": homepage},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": _text("生态环境部门", "Regulator")},
        "dcat:dataset": datasets,
    }
    if releases:
        catalog["dct:issued"] = _date(releases[-1].id)
        catalog["dct:modified"] = _date(releases[0].id)
    return catalog


__all__ = ["dcat_catalog", "list_releases"]
