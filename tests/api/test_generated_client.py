"""A client generated from our OpenAPI document by openapi-python-client works against the
app served on loopback: every GET operation parses to typed models (partner F5)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.changelog import record_change
from core.clock import today as china_today
from core.users import create_api_client
from credit.ratings.loader import load_rulebook
from credit.ratings.rescoring import rescore
from credit.records.models import Inspection, Permit
from tests.api.serving import serve
from tests.factories import create_enterprise, create_penalty

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "envcredit_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, imported (the spec does not depend on the database)."""
    from wsgi import create_app

    tmp = tmp_path_factory.mktemp("client")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'spec.sqlite3'}",
            "ENVCREDIT_INSTANCE": str(tmp / "instance"),
            "TESTING": True,
        }
    )
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    app.extensions["envcredit.db"].dispose()
    (tmp / "spec.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    (tmp / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(tmp / "spec.json"),
            "--output-path",
            str(tmp / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(tmp / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _api(package, module: str):
    return importlib.import_module(f"{package.__name__}.api.{module}")


def _data(app, session):
    ent = create_enterprise(session)
    ent.created_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    penalty = create_penalty(session, ent, decision_date=china_today() - dt.timedelta(days=9))
    session.add_all(
        [
            Inspection(
                enterprise_id=ent.id,
                date=china_today(),
                agency="兰州市生态环境局",
                kind="random",
                outcome="compliant",
            ),
            Permit(
                enterprise_id=ent.id,
                permit_no=ent.uscc + "001P",
                category="key",
                valid_from=china_today(),
                valid_until=china_today() + dt.timedelta(days=900),
                status="valid",
            ),
        ]
    )
    rescore(session, None, china_today(), load_rulebook("cn-default"))
    create_enterprise(session, permit_category=None)  # unrated: nullable enums are null
    for entity, key in (("enterprise", ent.uscc), ("penalty", penalty.id)):
        record_change(session, entity, key, enterprise_id=ent.id)
    with app.app_context():
        _, key = create_api_client(session, "partner", ["records:write", "webhooks"])
    session.commit()
    return ent, penalty, key


def test_every_get_operation_parses_to_typed_models(generated, app, session):
    models = importlib.import_module(f"{PACKAGE}.models")
    ent, penalty, key = _data(app, session)
    with serve(app) as base:
        anonymous = generated.Client(base_url=base)
        partner = generated.AuthenticatedClient(base_url=base, token=key)

        def call(module, *args, client=anonymous, **kwargs):
            response = _api(generated, module).sync_detailed(*args, client=client, **kwargs)
            assert response.status_code == 200, (module, response.content[:300])
            return response.parsed

        enterprise = call("enterprises.get_enterprise", ent.uscc)
        assert isinstance(enterprise, models.Enterprise) and enterprise.name == ent.name
        page = call("record_lists.list_enterprises", limit=10)
        assert all(isinstance(item, models.ListedEnterprise) for item in page.items)
        assert {item.level for item in page.items} == {
            None,
            models.ListedEnterpriseLevelType1.BLUE,
        }
        penalties = call("record_lists.list_penalties")
        assert isinstance(penalties.items[0], models.PenaltySnapshot)
        assert penalties.items[0].decision_no == penalty.decision_no
        cf = call("record_lists.list_penalties", format_=models.ListPenaltiesFormat.CF)
        assert isinstance(cf.items[0], models.CfPenalty)
        one = call("record_lists.get_penalty", penalty.id)
        assert isinstance(one, models.PenaltySnapshot) and one.fine_amount == "50000.00"
        inspections = call("record_lists.list_inspections")
        assert isinstance(inspections.items[0], models.InspectionSnapshot)
        permits = call("record_lists.list_permits")
        assert isinstance(permits.items[0], models.PermitSnapshot)
        rating = call("ratings.get_rating", ent.uscc)
        assert isinstance(rating, models.Rating) and rating.level == models.RatingLevel.BLUE
        history = call("ratings.list_ratings", ent.uscc)
        assert isinstance(history.ratings[0], models.HistoryItem)
        assert isinstance(call("search.search", q="化工"), models.SearchResult)
        changes = call("changes.list_changes", after=0, client=partner)
        snapshots = {type(e.snapshot) for e in changes.changes}
        assert {models.Enterprise, models.Rating, models.PenaltySnapshot} <= snapshots
        assert isinstance(call("api_tipoffs.get_tipoff_stats"), models.TipOffStats)
        assert isinstance(call("exports.get_data_package"), models.DataPackage)
        csv_text = call(
            "exports.download_export",
            models.DownloadExportName.PENALTIES,
            models.DownloadExportFmt.CSV,
        )
        assert csv_text.startswith("id,decision_no,uscc")
        hooks = call("webhooks.list_webhooks", client=partner)
        assert hooks == []


def test_safe_posts_through_the_generated_client(generated, app, session):
    models = importlib.import_module(f"{PACKAGE}.models")
    _ent, _penalty, key = _data(app, session)
    with serve(app) as base:
        anonymous = generated.Client(base_url=base)
        partner = generated.AuthenticatedClient(base_url=base, token=key)
        tipoff = models.TipOffCreate(
            category=models.TipOffCreateCategory.WATER,
            description="工厂夜间向河道排放黑色污水。",
            location="兰州市西固区某化工厂南门",
            anonymous=True,
            region_code="620104",
        )
        created = _api(generated, "api_tipoffs.file_tipoff").sync_detailed(
            client=anonymous, body=tipoff
        )
        assert created.status_code == 201 and isinstance(created.parsed, models.TipOffCreated)
        status = _api(generated, "api_tipoffs.get_tipoff_status").sync_detailed(
            created.parsed.tracking_code, client=anonymous, x_tipoff_secret=created.parsed.secret
        )
        assert status.status_code == 200 and isinstance(status.parsed, models.TipOffStatus)
        row = models.RecordsInRecordsItem.from_dict(
            {
                "uscc": "91350100M000100Y43",
                "name": "兰州华源化工有限公司",
                "region_code": "620100",
                "industry_code": "C26",
                "status": "operating",
            }
        )
        pushed = _api(generated, "records_write.push_records").sync_detailed(
            models.PushRecordsKind.ENTERPRISES, client=partner, body=models.RecordsIn(records=[row])
        )
        assert pushed.status_code == 200 and pushed.parsed.created == 1
        refused = _api(generated, "records_write.push_records").sync_detailed(
            models.PushRecordsKind.ENTERPRISES,
            client=anonymous,
            body=models.RecordsIn(records=[row]),
        )
        assert refused.status_code == 401 and isinstance(refused.parsed, models.Problem)
