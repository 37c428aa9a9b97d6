"""/data (datasets, freshness, import sources), the footer's 数据更新至 from the same service,
and 报告数据错误 on record pages: the form, 核查中 on the page and in the API, the regulator's
answer, and a contact that never reaches a public page or the API."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import func, select

from core.clock import local_date
from credit.data_errors.models import DataErrorReport
from credit.freshness.datasets import BY_KEY, data_updated_on, dataset_updated_at
from credit.freshness.models import ImportRun
from credit.records.models import Penalty
from tests.disclosure.conftest import csrf_token, login, make_regulator

USCC = "91350100M000100Y43"
ENTERPRISES = (
    "uscc,name,legal_representative,region_code,industry_code,address,latitude,longitude,"
    "permit_category,status\n"
    f"{USCC},兰州华源化工有限公司,张三,620102,C2611,兰州市城关区,36.1,103.7,重点管理,在营\n"
)
PENALTIES = (
    "decision_no,uscc,violation_type,facts,legal_basis,penalty_kinds,fine_amount,"
    "confiscated_amount,decision_date,authority,authority_uscc,severity,criminal_transfer\n"
    f"兰环罚〔2026〕7号,{USCC},超标排放,经查超标,大气法第九十九条,罚款,"
    "200000,0,2026-01-10,兰州市生态环境局,,一般,否\n"
    f"兰环罚〔2026〕9号,{USCC},超标排放,经查超标,大气法第九十九条,罚款,"
    "100000,0,2026-02-03,兰州市生态环境局,,一般,否\n"
)
CONTACT = "13800002222"
# 23:30 UTC on 2 March is 3 March in China
IMPORTED = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)


def _import(runner, tmp_path, kind: str, content: str) -> None:
    path = tmp_path / f"{kind}-2026-03.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["records", "import", "--kind", kind, str(path)])
    assert result.exit_code == 0, result.output


def _imported(runner, tmp_path) -> None:
    with time_machine.travel(IMPORTED, tick=False):
        _import(runner, tmp_path, "enterprises", ENTERPRISES)
        _import(runner, tmp_path, "penalties", PENALTIES)


def test_the_data_page_matches_the_data_after_an_import(client, runner, session, tmp_path):
    assert "暂无导入记录" in client.get("/data").get_data(as_text=True)
    _imported(runner, tmp_path)
    page = client.get("/data").get_data(as_text=True)
    row = re.search(r'<tr id="dataset-penalties">(.*?)</tr>', page, re.S)
    assert row, page
    assert "2026-03-03 07:30" in row.group(1)  # the import, in Beijing time
    assert "2026-02-03" in row.group(1)  # the newest decision date
    assert '<a href="/api/v1/penalties">' in row.group(1)
    assert "<code>penalties</code>" in page and "文件导入" in page
    assert "2 条（新增 2，更新 0）" in page
    assert "penalties-2026-03.csv" not in page  # the file's name is the regulators'
    assert 'id="releases"' in page and "/data/catalog.jsonld" in page
    assert "/data/dictionary" in page

    data = client.get("/data.json").get_json()
    penalties = next(d for d in data["datasets"] if d["key"] == "penalties")
    assert penalties["newest_record"] == "2026-02-03"
    assert penalties["updated_at"].startswith("2026-03-02T23:30")
    runs = {(i["kind"], i["channel"]): i["rows"] for i in data["imports"]}
    assert runs == {("enterprises", "file"): 1, ("penalties", "file"): 2}
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 2
    newest = max(session.scalars(select(Penalty.decision_date)))
    assert penalties["newest_record"] == newest.isoformat()


def test_a_refused_import_logs_nothing(runner, session, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(PENALTIES, encoding="utf-8")  # no such enterprise yet
    result = runner.invoke(args=["records", "import", "--kind", "penalties", str(path)])
    assert result.exit_code == 1
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_the_footer_date_comes_from_the_freshness_service(app, client, runner, session, tmp_path):
    _imported(runner, tmp_path)
    with app.app_context():
        on = data_updated_on(session)
        penalties = dataset_updated_at(session, BY_KEY["penalties"])
    assert on == dt.date(2026, 3, 3) and penalties is not None and local_date(penalties) == on
    for path in ("/", "/data", f"/enterprises/{USCC}"):
        assert "数据更新至 2026-03-03" in client.get(path).get_data(as_text=True), path


def _penalty_id(session) -> int:
    return session.scalar(select(Penalty.id).where(Penalty.decision_no == "兰环罚〔2026〕7号"))


def _report(client, penalty_id: int, description: str, contact: str = CONTACT):
    form = f"/report-error/penalty/{penalty_id}"
    return client.post(
        form,
        data={
            "description": description,
            "contact": contact,
            "csrf_token": csrf_token(client, form),
        },
    )


def test_report_an_error_then_the_regulator_answers(app, client, runner, session, tmp_path):
    _imported(runner, tmp_path)
    make_regulator(session, "lz@example.cn", "620100")
    make_regulator(session, "ny@example.cn", "411300")
    penalty_id = _penalty_id(session)
    page = client.get(f"/penalties/{penalty_id}").get_data(as_text=True)
    assert f'href="/report-error/penalty/{penalty_id}"' in page and "核查中" not in page

    done = _report(client, penalty_id, "罚款金额应为 10 万元")
    assert done.status_code == 303, done.get_data(as_text=True)[:2000]
    status_path = done.headers["Location"]
    status = client.get(status_path).get_data(as_text=True)
    assert "核查中" in status and "答复期限" in status
    session.rollback()  # a new read transaction: see the request's commit
    report = session.scalars(select(DataErrorReport)).one()
    assert report.contact == CONTACT and report.region_code == "620102"

    public = [
        client.get(f"/penalties/{penalty_id}").get_data(as_text=True),
        client.get(f"/enterprises/{USCC}").get_data(as_text=True),
        status,
        client.get("/data").get_data(as_text=True),
        client.get(f"/api/v1/penalties/{penalty_id}").get_data(as_text=True),
        client.get("/api/v1/penalties").get_data(as_text=True),
        client.get("/api/v1/changes?after=0").get_data(as_text=True),
    ]
    assert 'class="under-review"' in public[0] and "核查中" in public[1]
    assert client.get(f"/api/v1/penalties/{penalty_id}").get_json()["under_review"] is True
    assert not any(CONTACT in p for p in public)

    login(client, "ny@example.cn")  # another region's regulator sees nothing
    assert report.reference not in client.get("/regulator/").get_data(as_text=True)
    assert client.get(f"/regulator/data-errors/{report.id}").status_code == 403
    client.post("/regulator/logout", data={"csrf_token": csrf_token(client, "/regulator/")})

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        login(client, "lz@example.cn")
        todo = client.get("/regulator/").get_data(as_text=True)
        assert report.reference in todo and f"/regulator/data-errors/{report.id}" in todo
        detail = f"/regulator/data-errors/{report.id}"
        assert CONTACT in client.get(detail).get_data(as_text=True)  # the handling officer's
        answered = client.post(
            f"{detail}/corrected",
            data={"answer": "已更正罚款金额", "csrf_token": csrf_token(client, detail)},
        )
        assert answered.status_code == 302
    session.rollback()
    assert session.get(DataErrorReport, report.id).status == "corrected"
    page = client.get(f"/penalties/{penalty_id}").get_data(as_text=True)
    assert 'class="under-review"' not in page
    assert client.get(f"/api/v1/penalties/{penalty_id}").get_json()["under_review"] is False
    assert "已更正" in client.get(status_path).get_data(as_text=True)


def test_an_empty_description_is_refused_and_nothing_stored(client, runner, session, tmp_path):
    _imported(runner, tmp_path)
    refused = _report(client, _penalty_id(session), "  ")
    assert refused.status_code == 422
    assert "请填写错误说明" in refused.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DataErrorReport)) == 0
    assert client.get("/report-error/penalty/999999").status_code == 404
    assert client.get("/report-error/rating/1").status_code == 404
