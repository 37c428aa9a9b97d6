"""`flask records import`: every kind and format, all-or-nothing, idempotent."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import func, select

from core.changelog import ChangeLog
from credit.records.models import (
    DisclosureReport,
    EmissionAccount,
    Enterprise,
    Inspection,
    Penalty,
    Permit,
)

U1, U2 = "91350100M000100Y43", "91130200699229617X"
ENTERPRISES = (
    "uscc,name,legal_representative,region_code,industry_code,address,latitude,longitude,"
    "permit_category,status\n"
    f"{U1.lower()},兰州华源化工有限公司,张三,620100,C26,兰州市西固区,36.1,103.7,重点管理,在营\n"
    f"{U2},沧州宏达纸业有限公司,李四,130900,C22,,,,simplified,operating\n"
)


def _count(session, model) -> int:
    session.rollback()  # a fresh snapshot: the CLI committed in another session
    return session.scalar(select(func.count()).select_from(model))


def _import(runner, tmp_path, kind, content, name="f.csv", encoding=None, raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(content, encoding="utf-8")
    args = ["records", "import", "--kind", kind, str(path)]
    if encoding:
        args += ["--encoding", encoding]
    return runner.invoke(args=args)


def test_enterprises_then_records_and_idempotent_reimport(runner, session, tmp_path):
    result = _import(runner, tmp_path, "enterprises", ENTERPRISES)
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == U1))
    assert ent.permit_category == "key" and ent.latitude == Decimal("36.1")
    changes = _count(session, ChangeLog)
    again = _import(runner, tmp_path, "enterprises", ENTERPRISES)
    assert "2 unchanged" in again.output and _count(session, ChangeLog) == changes
    edited = ENTERPRISES.replace("张三", "王五")
    assert "1 updated" in _import(runner, tmp_path, "enterprises", edited).output
    assert _count(session, ChangeLog) == changes + 1


def test_each_record_kind(runner, session, tmp_path):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    files = {
        "permits": "permit_no,uscc,category,valid_from,valid_until,status,revoked_at,limits\n"
        f"{U1}001P,{U1},重点管理,2023-01-01,2027-12-31,valid,,SO2=12.5;NOx=30\n",
        "inspections": "ref,uscc,date,agency,kind,outcome,findings\n"
        f",{U1},2026/03/05,兰州市生态环境局,routine,issues_found,废气超标\n",
        "penalties": "decision_no,uscc,violation_type,facts,legal_basis,penalty_kinds,fine_amount,"
        "confiscated_amount,decision_date,authority,authority_uscc,severity,"
        "criminal_transfer\n"
        f"兰环罚〔2026〕1号,{U1},超标排放,经查超标,大气法第九十九条,罚款;警告,"
        f"200000.50,0,2026年1月10日,兰州市生态环境局,,一般,否\n",
        "disclosures": f"uscc,year,submitted_at,url\n{U1},2025,2026-03-01,https://x.cn/r\n",
        "emissions": "uscc,year,pollutant,generated_tonnes,removal_efficiency,operating_rate\n"
        f"{U1},2025,COD,200,0.9,0.95\n",
    }
    for kind, content in files.items():
        result = _import(runner, tmp_path, kind, content)
        assert result.exit_code == 0, (kind, result.output)
    permit = session.scalar(select(Permit))
    assert {lim.pollutant: lim.annual_limit_tonnes for lim in permit.limits} == {
        "NOx": Decimal("30"),
        "SO2": Decimal("12.5"),
    }
    penalty = session.scalar(select(Penalty))
    assert penalty.fine_amount_fen == 20_000_050 and penalty.kinds == ["罚款", "警告"]
    assert penalty.publish_until == dt.date(2027, 1, 10) and not penalty.criminal_transfer
    assert session.scalar(select(Inspection.date)) == dt.date(2026, 3, 5)
    assert session.scalar(select(EmissionAccount.emitted_tonnes)) == Decimal("29.0000")
    assert _count(session, DisclosureReport) == 1
    before = _count(session, ChangeLog)
    for kind, content in files.items():
        assert "1 unchanged" in _import(runner, tmp_path, kind, content).output, kind
    assert _count(session, ChangeLog) == before


def test_errors_are_reported_per_row_and_nothing_is_stored(runner, session, tmp_path):
    bad = ENTERPRISES + (
        "91350100M000100Y44,坏企业,,620100,C26,,,,key,operating\n"
        f"{U1[:-1]}I,坏企业,,999999,Z99,,95,,unknown,operating\n"
    )
    result = _import(runner, tmp_path, "enterprises", bad)
    assert result.exit_code == 1
    assert "row 4, column uscc, value '91350100M000100Y44'" in result.output
    assert "position 18" in result.output or "18" in result.output
    for column in ("region_code", "latitude", "permit_category"):
        assert f"row 5, column {column}" in result.output, column
    assert "nothing was stored" in result.output
    assert _count(session, Enterprise) == 0 and _count(session, ChangeLog) == 0


def test_records_of_unknown_enterprises_and_imported_emissions_are_refused(
    runner, session, tmp_path
):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    result = _import(
        runner,
        tmp_path,
        "emissions",
        "uscc,year,pollutant,generated_tonnes,removal_efficiency,operating_rate,"
        f"emitted\n{U1},2025,COD,200,0.9,0.95,1\n91110108551385082Q,2025,COD,1,0,0,\n",
    )
    assert result.exit_code == 1
    assert "column emitted" in result.output and "row 3, column uscc" in result.output
    assert _count(session, EmissionAccount) == 0


def test_bom_gb18030_jsonl_and_xlsx(runner, session, tmp_path):
    assert (
        _import(
            runner, tmp_path, "enterprises", None, raw=ENTERPRISES.encode("utf-8-sig")
        ).exit_code
        == 0
    )
    gb = ENTERPRISES.replace("兰州华源", "兰州新华源").encode("gb18030")
    explicit = _import(runner, tmp_path, "enterprises", None, raw=gb, encoding="gb18030")
    assert "1 updated" in explicit.output, explicit.output
    detected = _import(
        runner,
        tmp_path,
        "enterprises",
        None,
        name="g.csv",
        raw=ENTERPRISES.replace("兰州华源", "兰州老华源").encode("gb18030"),
    )
    assert "1 updated" in detected.output, detected.output
    lines = "\n".join(
        json.dumps(
            {"uscc": U2, "year": 2025, "submitted_at": "2026-03-10", "url": None},
            ensure_ascii=False,
        )
        for _ in range(1)
    )
    assert _import(runner, tmp_path, "disclosures", lines, name="d.jsonl").exit_code == 0
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["uscc", "year", "submitted_at", "url"])
    sheet.append([U1, 2024, dt.datetime(2025, 3, 1), "https://x.cn"])
    book.save(tmp_path / "d.xlsx")
    result = runner.invoke(
        args=["records", "import", "--kind", "disclosures", str(tmp_path / "d.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert _count(session, DisclosureReport) == 2


def test_cf_header_set_with_wan_yuan_and_severity_rule(runner, session, tmp_path):
    _import(runner, tmp_path, "enterprises", ENTERPRISES)
    content = (
        "CF_XDR_MC,CF_XDR_SHXYM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR_FK,CF_JDRQ,"
        "CF_GSJZQ,CF_CFJG\n"
        f"兰州华源化工有限公司,{U1},兰环罚〔2026〕7号,私设暗管,经查私设暗管,水法第八十三条,"
        "罚款,25.5,2026-01-10,2029-01-10,兰州市生态环境局\n"
        f"沧州宏达纸业有限公司,{U2},沧环罚〔2026〕8号,超标排放,经查超标,大气法,罚款,1,"
        "2026-02-01,2027-02-01,沧州市生态环境局\n"
    )
    result = _import(runner, tmp_path, "penalties", content)
    assert result.exit_code == 0, result.output
    by_no = {p.decision_no: p for p in session.scalars(select(Penalty))}
    assert by_no["兰环罚〔2026〕7号"].fine_amount_fen == 25_500_000  # 25.5 万元
    assert by_no["兰环罚〔2026〕7号"].severity == "grave"  # published for three years
    assert by_no["沧环罚〔2026〕8号"].severity == "general"


def test_unreadable_files_give_a_clear_message(runner, tmp_path):
    broken = _import(runner, tmp_path, "enterprises", None, name="x.xlsx", raw=b"PK\x03\x04junk")
    assert broken.exit_code != 0 and "XLSX" in broken.output
    jsonl = _import(runner, tmp_path, "enterprises", "{not json}\n", name="x.jsonl")
    assert jsonl.exit_code != 0 and "line 1" in jsonl.output
