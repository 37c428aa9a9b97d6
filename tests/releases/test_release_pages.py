"""The releases served without a key: immutable files with strong ETags and 304, no path
outside a release, the DCAT-AP catalog as JSON-LD, the data dictionary, listed after a
restart."""

from __future__ import annotations

import hashlib
import json

import pytest
from pyld import jsonld

from core.clock import today as china_today
from credit.releases.catalog import list_releases
from tests.releases.conftest import add_public_data, package

TODAY = china_today().isoformat()
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
BASE = "https://credit.example.gov.cn"


def _get(client, path, **kwargs):
    """A response read and closed (a file body is sent from an open file)."""
    with client.get(path, **kwargs) as response:
        response.get_data()
        return response


@pytest.fixture
def released(publish, session, instance):
    add_public_data(session, 2)
    result = publish("--note", "test")
    assert result.exit_code == 0, result.output
    return package(instance, TODAY)


def test_a_release_file_is_immutable_with_its_sha256_as_strong_etag(client, released):
    url = f"/data/releases/{TODAY}/enterprises.csv"
    response = _get(client, url)
    assert response.status_code == 200
    digest = hashlib.sha256(response.data).hexdigest()
    assert released["resources"][0]["hash"] == f"sha256:{digest}"
    assert response.headers["ETag"] == f'"{digest}"'
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype == "text/csv" and "Set-Cookie" not in response.headers
    again = _get(client, url, headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    other = _get(client, url, headers={"If-None-Match": '"' + "0" * 64 + '"'})
    assert other.status_code == 200
    pkg = _get(client, f"/data/releases/{TODAY}/datapackage.json")
    assert pkg.status_code == 200 and pkg.get_json() == released
    assert pkg.headers["ETag"] == '"' + hashlib.sha256(pkg.data).hexdigest() + '"'


@pytest.mark.parametrize(
    "path",
    [
        f"/data/releases/{TODAY}/../../envcredit.sqlite3",
        f"/data/releases/{TODAY}/..%2F..%2Fenvcredit.sqlite3",
        f"/data/releases/{TODAY}/%2e%2e%2fhash_key",
        "/data/releases/..%2F..%2Fsecret_key/datapackage.json",
        "/data/releases/../datapackage.json",
        "/data/releases/..%2f/SECRET_KEY",
        f"/data/releases/{TODAY}/secret.txt",
        f"/data/releases/{TODAY}/.",
        "/data/releases/2026-12-0/datapackage.json",
        "/data/releases/.2026-12-08.1.tmp/datapackage.json",
    ],
)
def test_no_path_outside_a_release_is_served(client, released, instance, path):
    (instance / "releases" / TODAY / "secret.txt").write_text("not listed", "utf-8")
    (instance / "secret_key").write_text("s3cret", "utf-8")
    response = _get(client, path, follow_redirects=True)
    assert response.status_code == 404, path
    assert b"s3cret" not in response.data and b"not listed" not in response.data


def test_the_catalog_is_dcat_json_ld_with_checksums_and_absolute_urls(app, released):
    app.config["PUBLIC_BASE_URL"] = BASE
    client = app.test_client()
    response = client.get("/data/catalog.jsonld", headers={"Host": "localhost"})
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    assert document["@context"]["dcat"] == DCAT
    expanded = jsonld.expand(document)  # inline context: nothing is fetched
    (catalog,) = expanded
    assert catalog["@type"] == [DCAT + "Catalog"]
    datasets = catalog[DCAT + "dataset"]
    assert [d["http://purl.org/dc/terms/identifier"][0]["@value"] for d in datasets] == [
        "enterprises",
        "ratings",
        "penalties",
    ]
    for dataset in datasets:
        assert dataset["@type"] == [DCAT + "Dataset"]
        assert dataset["http://purl.org/dc/terms/issued"][0]["@value"] == TODAY
        for dist in dataset[DCAT + "distribution"]:
            assert dist["@type"] == [DCAT + "Distribution"]
            url = dist[DCAT + "downloadURL"][0]["@id"]
            assert url.startswith(f"{BASE}/data/releases/{TODAY}/")
            body = _get(client, url.removeprefix(BASE)).data
            checksum = dist[SPDX + "checksum"][0]
            assert checksum[SPDX + "algorithm"][0]["@id"] == SPDX + "checksumAlgorithm_sha256"
            value = checksum[SPDX + "checksumValue"][0]["@value"]
            assert value == hashlib.sha256(body).hexdigest()
    formats = [len(d[DCAT + "distribution"]) for d in datasets]
    assert formats == [2, 2, 2]
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert f"<{BASE}/data/catalog.jsonld> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in (
        nquads
    )


def test_releases_are_listed_after_a_restart(app_config, released, instance):
    from wsgi import create_app

    fresh = create_app(app_config)
    try:
        page = fresh.test_client().get("/data/releases/?lang=en")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"/data/releases/{TODAY}/penalties.ndjson" in html
        assert released["resources"][0]["hash"][7:] in html
    finally:
        fresh.extensions["envcredit.db"].dispose()
    (release,) = list_releases(instance)
    assert release.id == TODAY and release.rows("enterprises") == 2


def test_the_dictionary_page_csv_and_json_describe_every_column(client, released):
    entries = client.get("/data/dictionary.json").get_json()
    schema_columns = {
        (r["name"], f["name"])
        for r in released["resources"]
        if r["name"] in {"enterprises", "ratings", "penalties"}
        for f in r["schema"]["fields"]
    }
    assert {(e["dataset"], e["column"]) for e in entries} == schema_columns
    assert all(e["meaning_zh"] and e["meaning_en"] and e["source"] for e in entries)
    csv_text = client.get("/data/dictionary.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("dataset,column,type,meaning_zh,meaning_en")
    page = client.get("/data/dictionary").get_data(as_text=True)
    assert 'id="penalties-fine_amount"' in page and "CNY" in page


def test_no_release_yet_is_an_empty_list_and_catalog(client):
    assert client.get("/data/releases/").status_code == 200
    catalog = client.get("/data/catalog.jsonld").get_json(force=True)
    assert all(d["dcat:distribution"] == [] for d in catalog["dcat:dataset"])
    assert _get(client, f"/data/releases/{TODAY}/enterprises.csv").status_code == 404


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_release_list_speaks_one_language(client, released, lang):
    from tests.language_check import language_problems

    html = client.get(f"/data/releases/?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in html and TODAY in html
    assert not language_problems(html, lang)


def test_a_file_gone_from_disk_is_a_404_not_an_error(client, released, instance):
    (instance / "releases" / TODAY / "ratings.csv").unlink()
    (instance / "releases" / TODAY / "SHA256SUMS").unlink()
    assert _get(client, f"/data/releases/{TODAY}/ratings.csv").status_code == 404
    assert _get(client, f"/data/releases/{TODAY}/SHA256SUMS").status_code == 404
    assert _get(client, f"/data/releases/{TODAY}/ratings.ndjson").status_code == 200


def test_the_data_page_lists_the_releases(client, released):
    """/data (datasets and freshness) shows each release with its seq and data package link."""
    html = client.get("/data").get_data(as_text=True)
    assert f"/data/releases/{TODAY}/datapackage.json" in html
    assert f">{released['envcredit:change_seq']}</td>" in html
    assert client.get("/data?lang=en").status_code == 200


def test_the_data_page_says_when_there_is_no_release(client):
    assert "暂无发布版本" in client.get("/data").get_data(as_text=True)
