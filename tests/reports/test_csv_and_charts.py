"""CSV exports cannot smuggle formulas into spreadsheets; SVG charts are well formed."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from commissary.identity.models import User
from commissary.reports.charts import Series, bar_chart, line_chart, nice_ticks
from commissary.reports.export import safe_cell, to_csv
from commissary.testing import Shop
from tests.helpers import user
from tests.reports.conftest import Seed

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+31 20 555", "'+31 20 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ('=HYPERLINK("http://x.test","y")', '\'=HYPERLINK("http://x.test","y")'),
        ("Ann O'Neil", "Ann O'Neil"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),  # numbers stay numbers, negative or not
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, ""),
        (date(2026, 3, 1), "2026-03-01"),
    ],
)
def test_cells_that_could_run_as_formulas_are_neutralised(value: object, written: object) -> None:
    assert safe_cell(value) == written


def test_every_cell_is_quoted_so_separators_stay_inside() -> None:
    text = to_csv(["name", "points"], [['evil", =1+1, "x', 3]])
    assert text.splitlines()[1] == '"evil"", =1+1, ""x","3"'
    assert list(csv.reader(io.StringIO(text)))[1] == ['evil", =1+1, "x', "3"]


def test_a_hostile_name_in_a_real_export_is_harmless(shop: Shop, seed: Seed) -> None:
    ann = user(shop, "buyer@acme.test")
    with shop.portal.db.transaction(shop.tenant.id) as s:
        s.execute(update(User).where(User.id == ann.id).values(name="=cmd|' /C calc'!A0"))
    seed(ann, date.today(), [("POLO-S", 2)])
    api = shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))

    for view in ("detail", "people"):
        r = api.get("/reports/purchases.csv", params={"view": view})
        assert r.status_code == 200, r.text
        assert r.headers["content-disposition"].startswith("attachment; filename=")
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[1][0] == "'=cmd|' /C calc'!A0"
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert api.get("/reports/purchases.csv", params={"view": "nope"}).status_code == 422


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_has_a_title_a_description_and_one_bar_per_value() -> None:
    svg = _parse(str(bar_chart("c1", "Spend <per> week", ["a", "b", "c"], [0, 5, 12], unit="pts")))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Spend <per> week"  # type: ignore[union-attr]
    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == 3
    assert [b.find(f"{SVG}title").text for b in bars] == ["a: 0 pts", "b: 5 pts", "c: 12 pts"]  # type: ignore[union-attr]
    heights = [float(b.get("height", "0")) for b in bars]
    assert heights[0] == 0 and heights[1] < heights[2]
    ticks = [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ticks == ["0", "5", "10", "15"]


def test_line_chart_has_a_legend_for_several_series_and_labels_are_thinned() -> None:
    labels = [f"d{i}" for i in range(40)]
    svg = _parse(
        str(
            line_chart(
                "c2",
                "Units",
                labels,
                [Series("Units", list(range(40))), Series("Orders", [1] * 40)],
            )
        )
    )
    assert len(svg.findall(f".//{SVG}polyline")) == 2
    shown = [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "chart-label"]
    assert 2 <= len(shown) <= 12 and "d0" in shown
    legend = [t.text for t in svg.findall(f".//{SVG}g/{SVG}text")]
    assert legend == ["Units", "Orders"]


def test_empty_and_lopsided_charts_still_render() -> None:
    _parse(str(bar_chart("c3", "Nothing", [], [])))
    _parse(str(line_chart("c4", "Nothing", [], [])))
    assert nice_ticks(0) == [0.0, 1.0]
    assert nice_ticks(1_234_567)[-1] >= 1_234_567
    with pytest.raises(ValueError):
        bar_chart("c5", "Mismatch", ["a"], [1, 2])
