"""The regulator's rulebook simulation page shows the level-transition matrix."""

from __future__ import annotations

import datetime as dt
import re

from tests.disclosure.conftest import login
from tests.factories import create_enterprise, create_penalty


def test_simulation_matrix_for_my_region(client, session, regulator):
    ent = create_enterprise(session)
    create_penalty(
        session, ent, decision_date=dt.date.today() - dt.timedelta(days=20), severity="grave"
    )
    create_enterprise(session)
    create_enterprise(session, region_code="411300")  # outside the region: not counted
    session.commit()
    login(client, regulator.email)
    page = client.get("/regulator/simulate?rulebook=jiangsu-12")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "jiangsu-12" in text
    # green stays green; the grave penalty is yellow (70) here and blue (9 - 6 + 3) there
    cells = re.findall(r"<td[^>]*>(\d+)</td>", text)
    assert '<td class="same">1</td>' in text and cells.count("1") == 4  # 2 cells + 2 totals
    unknown = client.get("/regulator/simulate?rulebook=../../etc")
    assert unknown.status_code == 200 and 'class="list matrix"' not in unknown.get_data(
        as_text=True
    )
