"""The server-drawn SVG charts: well-formed, accessible, every text escaped,
series told apart by more than colour."""

import xml.etree.ElementTree as ET

from django.template.loader import render_to_string

from reports import charts
from reports.charts import NARROW, Series, bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "quotes"'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own markup


def a_line_chart(**overrides):
    options = {
        "chart_id": "volume",
        "title": "Tickets per day",
        "description": "Created and solved per day.",
        "labels": ["2 Nov", "3 Nov", "4 Nov"],
        "series": [Series("Created", [3, 5, 2]), Series("Solved", [1, 4, 6])],
    }
    return line_chart(**(options | overrides))


def test_a_line_chart_is_an_image_with_a_title_and_a_description():
    root = parse(a_line_chart())

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "volume-title volume-desc"
    assert root.find(f"{SVG}title").text == "Tickets per day"
    assert root.find(f"{SVG}title").get("id") == "volume-title"
    assert root.find(f"{SVG}desc").text == "Created and solved per day."
    assert root.get("viewBox") == "0 0 720 300"
    assert root.get("width") == "100%"


def test_line_series_differ_by_dash_and_marker_and_are_named_in_a_legend():
    root = parse(a_line_chart())
    lines = root.findall(f"{SVG}polyline")
    texts = [element.text for element in root.iter(f"{SVG}text")]

    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    assert len(root.findall(f".//{SVG}circle")) >= 3  # the first series' markers
    assert len(root.findall(f".//{SVG}rect")) >= 3  # the second's squares
    assert "Created" in texts
    assert "Solved" in texts
    assert {"2 Nov", "3 Nov", "4 Nov"} <= set(texts)


def test_every_text_in_a_chart_is_escaped():
    svg = a_line_chart(
        chart_id='x"><script>',
        title=HOSTILE,
        description=HOSTILE,
        labels=[HOSTILE, "b", "c"],
        series=[Series(HOSTILE, [1, 2, 3])],
    )
    root = parse(svg)  # still well-formed XML

    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == HOSTILE
    assert HOSTILE in [element.text for element in root.iter(f"{SVG}text")]

    bars = bar_chart(
        chart_id="b",
        title=HOSTILE,
        description=HOSTILE,
        categories=[HOSTILE],
        series=[Series(HOSTILE, [4])],
        value_labels=[[HOSTILE]],
    )
    parse(bars)
    assert "<script>" not in bars


def test_a_missing_value_leaves_a_gap_in_the_line():
    root = parse(
        a_line_chart(
            labels=["a", "b", "c", "d", "e"],
            series=[Series("Score", [80, 90, None, 70, 60])],
            percent=True,
        )
    )

    assert len(root.findall(f"{SVG}polyline")) == 2
    assert "100%" in [element.text for element in root.iter(f"{SVG}text")]


def test_an_empty_range_still_draws_axes():
    root = parse(a_line_chart(labels=["2 Nov"], series=[Series("Created", [0])]))

    assert root.find(f"{SVG}title") is not None


def test_many_points_leave_out_markers_and_thin_the_labels():
    labels = [f"{day} Nov" for day in range(1, 61)]
    root = parse(
        a_line_chart(labels=labels, series=[Series("Created", list(range(60)))])
    )
    texts = [element.text for element in root.iter(f"{SVG}text")]

    assert not root.findall(f"{SVG}circle")
    assert sum(1 for text in texts if text in labels) <= charts.WIDE.max_labels


def test_bars_differ_by_fill_pattern_and_show_their_values():
    root = parse(
        bar_chart(
            chart_id="sla",
            title="SLA",
            description="Achieved and breached per target.",
            categories=["First response", "Resolution"],
            series=[Series("Achieved", [8, 3]), Series("Breached", [2, 1])],
            value_labels=[["8 (80%)", "3 (75%)"], ["2 (20%)", "1 (25%)"]],
        )
    )
    fills = {rect.get("fill") for rect in root.findall(f"{SVG}rect")}
    texts = [element.text for element in root.iter(f"{SVG}text")]

    assert "url(#sla-fill-1)" in fills  # the breached bars are hatched
    assert root.find(f".//{SVG}pattern").get("id") == "sla-fill-1"
    assert {"8 (80%)", "2 (20%)", "3 (75%)", "1 (25%)"} <= set(texts)
    assert {"Achieved", "Breached", "First response", "Resolution"} <= set(texts)


def test_a_responsive_chart_is_drawn_wide_and_narrow_with_distinct_ids():
    html = charts.responsive(
        line_chart,
        chart_id="csat",
        title="Satisfaction",
        description="Score per day.",
        labels=["a", "b"],
        series=[Series("Satisfaction", [50, 100])],
        percent=True,
    )

    assert 'class="d-none d-md-block"' in html
    assert 'class="d-md-none"' in html
    assert 'id="csat-wide"' in html
    assert 'id="csat-narrow"' in html
    assert f'viewBox="0 0 {NARROW.width} {NARROW.height}"' in html


def test_axis_ticks_are_round_numbers_reaching_the_top():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(100)[-1] >= 100
    assert all(float(tick).is_integer() for tick in nice_ticks(3))
    assert nice_ticks(0.3, whole=False)[-1] >= 0.3


def test_the_series_description_names_how_series_are_told_apart():
    text = charts.series_description([Series("Created", []), Series("Solved", [])])

    assert "Created: solid line with circles" in text
    assert "Solved: dashed line with squares" in text


def test_the_people_table_says_so_when_there_is_nobody():
    html = render_to_string(
        "reports/_people_table.html",
        {"rows": [], "kind": "Agent", "caption": "Per agent"},
    )

    assert "<caption" in html
    assert "No agents yet." in html
