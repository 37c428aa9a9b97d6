"""/stats on a phone: grouped by province, percentages, labelled stacked cells, captions that
do not repeat the header, a compact month form, readable chart text, an empty state."""

from __future__ import annotations

import re

from tests.disclosure.test_tipoffs import file_through_page
from tests.factories import create_enterprise, create_rating, make_uscc


def _rated(session):
    for n, (region, level) in enumerate(
        [("620100", "green"), ("620100", "red"), ("620200", "blue"), ("110101", "blue")]
    ):
        ent = create_enterprise(session, uscc=make_uscc(900 + n, region), region_code=region)
        create_rating(session, ent, level, 90)
    session.commit()


def test_empty_month_says_so_instead_of_zero_tables(client, session):
    _rated(session)
    text = client.get("/stats").get_data(as_text=True)
    assert "本月尚无举报。" in text and "近 12 个月尚无举报。" in text
    assert "按地区的举报办理" not in text and "<svg" not in text
    en = client.get("/stats?lang=en").get_data(as_text=True)
    assert "No tip-offs this month yet." in en


def test_ratings_grouped_by_province_with_shares(client, session):
    _rated(session)
    text = client.get("/stats").get_data(as_text=True)
    provinces = re.findall(r'<details class="province"><summary>([^<]+)</summary>', text)
    assert provinces == ["北京市 · 1 家企业", "甘肃省 · 3 家企业"]
    gansu = text[text.index("甘肃省 · 3 家企业") :]
    gansu = gansu[: gansu.index("</details>")]
    assert "兰州市" in gansu and "嘉峪关市" in gansu and "北京" not in gansu
    assert "（50.0%）" in gansu  # 兰州市: 1 of 2 green
    by_level = text[text.index("各等级企业数") :]
    assert "50.0%" in by_level[: by_level.index("</table>")]  # 2 of 4 are blue
    # stacked cells keep their labels; captions differ from the first column's header
    assert 'data-label="环保诚信企业"' in gansu and 'data-label="合计"' in gansu
    for caption in re.findall(r"<caption[^>]*>([^<]+)</caption>", text):
        assert caption not in {"地区", "等级", "举报类别"}
    assert 'class="month-form"' in text


def test_tipoff_tables_with_shares_rowgroups_and_large_chart_text(client, session):
    file_through_page(client)
    text = client.get("/stats").get_data(as_text=True)
    table = text[text.index("按地区的举报办理") :]
    table = table[: table.index("</table>")]
    assert '<th scope="rowgroup" colspan="5">甘肃省</th>' in table
    assert '<th scope="row">兰州市</th>' in table
    assert 'data-label="占比">100.0%' in table
    assert "大气" in text and "按类别的举报办理" in text
    chart = re.search(r"<svg.*?</svg>", text, re.S).group(0)
    width = int(re.search(r'viewBox="0 0 (\d+) ', chart).group(1))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', chart)]
    assert min(sizes) * 288 / width >= 12
    assert "以表格查看近 12 个月数据" in text
    en = client.get("/stats?lang=en").get_data(as_text=True)
    assert "Tip-offs by region" in en and "Share" in en
    assert '<span lang="zh-CN">兰州市</span>' in en  # no English region names: marked Chinese
