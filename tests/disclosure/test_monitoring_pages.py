"""Public monitoring pages: stations list, a station's PM chart, an outlet's day vs limits,
the enterprise page's 在线监控 block."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import create_enterprise
from tests.monitoring.devices import add_hours, create_outlet, create_station

DAY = dt.date(2026, 10, 8)


@pytest.fixture
def network(session):
    ent = create_enterprise(session, name="兰州测试热电有限公司")
    create_outlet(session, ent, "OUT001", {"a21026": 50.0, "a21002": 100.0})
    so2: list = [30.0] * 24
    so2[9], so2[10] = 61.5, (77.0, "D")
    add_hours(session, "OUT001", "a21026", DAY, so2)
    add_hours(session, "OUT001", "a21002", DAY, [80.0] * 24)
    add_hours(session, "OUT001", "a21026", DAY + dt.timedelta(days=3), [20.0] * 5)
    create_station(session, "ST0001", name="城关测试微站", kind="micro")
    create_station(session, "ST0002", name="兰州国控测试站", kind="national")
    add_hours(session, "ST0001", "a34004", DAY, [40.0 + h for h in range(24)])
    add_hours(session, "ST0001", "a34002", DAY, [(90.0, "B")] + [80.0] * 23)
    session.commit()
    return ent


def _html(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_outlet_page_marks_the_exceeding_hour_and_explains_flags(client, network):
    html = _html(client, f"/monitoring/outlets/OUT001?date={DAY}")
    assert "兰州测试热电有限公司" in html and "DA001" in html
    assert '<strong class="exceeds">61.5 ▲' in html  # 09:00 above 50
    assert "<s>77.0</s>" in html and 'title="故障"' in html  # invalid: struck, not exceeding
    assert "1</strong>" in html  # the day's summary: one exceedance hour of SO2
    assert "通讯异常" in html  # every flag is explained
    assert f'href="/monitoring/outlets/OUT001?date={DAY + dt.timedelta(days=3)}"' in html
    assert 'href="/monitoring/outlets/OUT001?date=2026-09-01"' in html  # previous month
    assert 'href="/monitoring/outlets/OUT001?date=2026-11-01"' in html


def test_outlet_page_defaults_to_its_newest_day_and_speaks_english(client, network):
    html = _html(client, "/monitoring/outlets/OUT001?lang=en")
    assert "Hourly means on 2026-10-11" in html and "Sulphur dioxide" in html


def test_station_page_draws_the_day_and_the_month_with_tables(client, network):
    day = _html(client, f"/monitoring/stations/ST0001?date={DAY}")
    assert '<svg role="img"' in day and "PM2.5" in day and "PM10" in day
    assert '<th scope="row">23:00</th>' in day and "63.0" in day
    assert "<s>90.0</s>" in day  # the B-flagged hour is not a valid value
    month = _html(client, "/monitoring/stations/ST0001?month=2026-10")
    assert "<svg" in month and f'date={DAY}">{DAY}</a>' in month
    assert "51.5" in month  # the day's mean PM2.5 of 40..63


def test_station_list_filters_and_links(client, network):
    html = _html(client, "/monitoring/stations?kind=national")
    assert "兰州国控测试站" in html and "城关测试微站" not in html
    assert 'href="/monitoring/stations/ST0002"' in html


def test_enterprise_page_lists_its_outlets(client, network):
    html = _html(client, f"/enterprises/{network.uscc}")
    assert "在线监控" in html and 'href="/monitoring/outlets/OUT001"' in html


def test_enterprise_without_outlets_has_no_monitoring_block(client, session):
    ent = create_enterprise(session)
    session.commit()
    assert 'id="monitoring"' not in _html(client, f"/enterprises/{ent.uscc}")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/monitoring/outlets/NOPE", 404),
        ("/monitoring/outlets/ST0001", 404),
        ("/monitoring/stations/OUT001", 404),
        ("/monitoring/outlets/OUT001?date=2026-02-30", 400),
        ("/monitoring/outlets/OUT001?date=0001-01-01", 400),
        ("/monitoring/stations/ST0001?month=2026-13", 400),
        ("/monitoring/stations/ST0001?month=9999-12", 400),
        ("/monitoring/stations?grid=NO-SUCH", 404),
        ("/monitoring/stations?region=abc&kind=x&after=%3B", 200),
    ],
)
def test_bad_input_is_a_clear_error_page(client, network, path, status):
    _html(client, path, status)


def test_a_rating_line_citing_an_outlet_links_to_its_day(app):
    """The rules' explanation lines cite an outlet as {type: outlet, id: MN, date}."""
    with app.test_request_context():
        context: dict = {}
        for processor in app.template_context_processors[None]:
            context.update(processor())
        record_url = context["record_url"]
        source = {"type": "outlet", "id": "OUT001", "date": DAY}
        assert record_url(source, "X") == f"/monitoring/outlets/OUT001?date={DAY}"
        assert record_url({"type": "outlet", "id": "OUT001"}, "X") == "/monitoring/outlets/OUT001"
