"""The dashboard's SVG charts (deals.dashboard.charts): pure functions, no database."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.utils.safestring import SafeString

from deals.dashboard import charts
from deals.dashboard.charts import (
    Bar,
    Group,
    GroupValue,
    Point,
    Series,
    grouped_bar_chart,
    hbar_chart,
    line_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script>'
QUOTES = '" onload="x'
BAR_SERIES = [Series("With an agreed plan", "solid"), Series("Without a plan", "hatched", "muted")]
LINE_SERIES = [Series("With an agreed plan", "solid"),
               Series("Without a plan", "dashed", "warning"), Series("Third", "solid", "success")]


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, SafeString)
    return ET.fromstring(svg)  # raises when the markup is not well-formed XML


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix(SVG)


def all_text(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def plotted_bars(root: ET.Element) -> list[ET.Element]:
    """The bars, without the legend's keys."""
    legend = root.find(f".//{SVG}g[@class='chart-legend']")
    keys = set(legend.iter(f"{SVG}rect")) if legend is not None else set()
    return [r for r in root.iter(f"{SVG}rect")
            if "bar" in r.get("class", "").split() and r not in keys]


def stages() -> list[Bar]:
    return [Bar("Discovery", 100, "100 · USD 1.2M", href="/deals/?stage=discovery"),
            Bar("Proposal", 50, "50 · USD 0.6M", tone="warning"),
            Bar("Negotiation", 25, "25 · USD 0.2M", tone="success")]


def stage_chart() -> ET.Element:
    return parse(hbar_chart(stages(), title="Stages"))


def win_rates() -> list[Group]:
    return [Group("Win rate", [GroupValue(62, "62 % (13 of 21)", href="/deals/?won=1"),
                               GroupValue(31, "31 % (5 of 16)")]),
            Group("Slipped", [GroupValue(18, "18 % (4 of 22)"), GroupValue(None, "n/a")])]


def win_rate_chart(**kwargs) -> ET.Element:
    return parse(grouped_bar_chart(win_rates(), series=BAR_SERIES, title="Win rates", **kwargs))


def months(*per_series: list) -> list[Point]:
    """Points M1 2026, M2 2026, ... from one list of values per series."""
    return [Point(f"M{k + 1} 2026", list(values), [f"{v} %" for v in values], href=f"/m/{k}")
            for k, values in enumerate(zip(*per_series))]


def every_chart(label: str = "Discovery", display: str = "12", href: str | None = "/d/") -> list:
    return [
        hbar_chart([Bar(label, 12, display, href=href), Bar("Other", 3, "3")], title=label,
                   description=label),
        grouped_bar_chart([Group(label, [GroupValue(40, display, href=href),
                                         GroupValue(None, display, href=href)])],
                          series=[Series(label, "solid"), Series(label, "hatched")],
                          title=label, description=label),
        line_chart([Point(label, [40, 50, None], [display] * 3, href=href),
                    Point("Nov 2026", [45, None, 10], [display] * 3)],
                   series=[Series(label, "solid"), Series(label, "dashed"), Series("C", "solid")],
                   title=label, description=label),
    ]


# Horizontal bars

def test_bar_lengths_are_proportional_to_values():
    widths = [float(r.get("width")) for r in plotted_bars(stage_chart())]
    assert widths[1] / widths[0] == pytest.approx(0.5, abs=0.01)
    assert widths[2] / widths[0] == pytest.approx(0.25, abs=0.01)


def test_bars_start_on_one_line_and_stay_inside_the_view_box():
    root = stage_chart()
    view_width = float(root.get("viewBox").split()[2])
    bars = plotted_bars(root)
    assert len({r.get("x") for r in bars}) == 1
    assert all(float(r.get("x")) + float(r.get("width")) <= view_width for r in bars)


def test_display_texts_are_printed_next_to_the_bars():
    texts = all_text(stage_chart())
    expected = {"Discovery", "Proposal", "100 · USD 1.2M", "50 · USD 0.6M", "25 · USD 0.2M"}
    assert expected <= set(texts)


def test_a_display_that_would_run_out_of_the_chart_is_printed_inside_the_bar():
    root = stage_chart()
    inside = [t for t in root.iter(f"{SVG}text") if "chart-value-inside" in t.get("class")]
    assert [t.text for t in inside] == ["100 · USD 1.2M"]
    assert inside[0].get("text-anchor") == "end"


def test_long_labels_are_cut_with_an_ellipsis_but_kept_whole_in_the_title():
    label = "Qualification and technical validation with procurement and legal"
    root = parse(hbar_chart([Bar(label, 5, "5")], title="Stages"))
    shown = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label")
    assert shown.endswith("…") and label.startswith(shown[:-1].rstrip())
    assert plotted_bars(root)[0].find(f"{SVG}title").text == f"{label}: 5"


def test_every_bar_has_a_title_with_its_label_and_value():
    root = stage_chart()
    titles = [r.find(f"{SVG}title").text for r in plotted_bars(root)]
    assert titles == ["Discovery: 100 · USD 1.2M", "Proposal: 50 · USD 0.6M",
                      "Negotiation: 25 · USD 0.2M"]


def test_bars_with_an_href_are_wrapped_in_a_link_and_the_others_are_not():
    root = stage_chart()
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/deals/?stage=discovery"]
    assert plotted_bars(root)[0] in list(links[0])


def test_bar_tones_are_css_classes_with_a_fill_fallback():
    bars = plotted_bars(stage_chart())
    assert [r.get("class") for r in bars] == [
        "bar bar-primary", "bar bar-warning", "bar bar-success"]
    assert [r.get("fill") for r in bars] == ["#2455c3", "#8a5a00", "#1f7a3d"]


def test_all_zero_values_draw_a_visible_stub_per_label():
    root = parse(hbar_chart([Bar("Discovery", 0, "0"), Bar("Proposal", 0, "0")], title="Stages"))
    assert [float(r.get("width")) for r in plotted_bars(root)] == [1.0, 1.0]
    assert {"Discovery", "Proposal"} <= set(all_text(root))
    assert "No data" not in all_text(root)


def test_an_empty_bar_chart_says_no_data():
    root = parse(hbar_chart([], title="Stages"))
    assert "No data" in all_text(root)
    assert plotted_bars(root) == []


def test_the_chart_grows_taller_with_the_number_of_bars():
    def height(n):
        bars = [Bar(f"Stage {k}", k, str(k)) for k in range(n)]
        return float(parse(hbar_chart(bars, title="Stages")).get("viewBox").split()[3])
    assert height(1) < height(3) < height(8)
    assert height(8) - height(3) == pytest.approx(5 * (height(3) - height(2)))


def test_a_bar_without_a_value_or_with_an_unknown_tone_is_rejected():
    with pytest.raises(ValueError):
        Bar("Discovery", None, "n/a")
    with pytest.raises(ValueError):
        Bar("Discovery", -1, "-1")
    with pytest.raises(ValueError):
        Bar("Discovery", 1, "1", tone="pink")


# Grouped bars

def test_grouped_bars_scale_to_max_value_when_given():
    root = win_rate_chart(max_value=100)
    widths = [float(r.get("width")) for r in plotted_bars(root)]
    assert widths[1] / widths[0] == pytest.approx(31 / 62, abs=0.01)
    assert widths[2] / widths[0] == pytest.approx(18 / 62, abs=0.01)
    groups = [*win_rates(), Group("Full", [GroupValue(100, "100 %"), GroupValue(50, "50 %")])]
    root = parse(grouped_bar_chart(groups, series=BAR_SERIES, title="Win rates", max_value=100))
    widths = [float(r.get("width")) for r in plotted_bars(root)]
    assert widths[0] / widths[3] == pytest.approx(0.62, abs=0.01)


def test_grouped_bars_scale_to_the_largest_value_without_max_value():
    groups = [Group("Median cycle", [GroupValue(48, "48 days"), GroupValue(96, "96 days")])]
    root = parse(grouped_bar_chart(groups, series=BAR_SERIES, title="Cycle days"))
    short, long = (float(r.get("width")) for r in plotted_bars(root))
    assert short / long == pytest.approx(0.5, abs=0.01)


def test_a_value_above_max_value_stops_at_the_full_length():
    groups = [Group("Odd", [GroupValue(150, "150 %"), GroupValue(100, "100 %")])]
    root = parse(grouped_bar_chart(groups, series=BAR_SERIES, title="Win rates", max_value=100))
    over, full = (float(r.get("width")) for r in plotted_bars(root))
    assert over == full


def test_a_none_value_draws_no_bar_but_prints_its_display():
    root = win_rate_chart(max_value=100)
    assert len(plotted_bars(root)) == 3  # four values, one of them None
    na = next(t for t in root.iter(f"{SVG}text") if "chart-na" in t.get("class"))
    assert na.text == "n/a"
    assert na.find(f"{SVG}title").text == "Slipped, Without a plan: n/a"


def test_grouped_values_print_their_display_and_group_labels():
    texts = all_text(win_rate_chart())
    expected = {"Win rate", "Slipped", "62 % (13 of 21)", "31 % (5 of 16)", "18 % (4 of 22)"}
    assert expected <= set(texts)


def test_hatched_series_fill_their_bars_and_legend_key_with_a_pattern():
    root = win_rate_chart()
    patterns = [p.get("id") for p in root.iter(f"{SVG}pattern")]
    assert len(patterns) == 1
    hatched = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == f"url(#{patterns[0]})"]
    assert len(hatched) == 2  # the legend key and the "Without a plan" bar of "Win rate"
    solid = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar bar-primary"]
    assert len(solid) == 3  # the legend key and two bars


def test_the_legend_names_each_series():
    root = win_rate_chart()
    legend = root.find(f".//{SVG}g[@class='chart-legend']")
    assert all_text(legend) == ["With an agreed plan", "Without a plan"]


def test_two_charts_on_a_page_get_distinct_pattern_ids():
    first = win_rate_chart(max_value=100)
    groups = [Group("Median cycle", [GroupValue(48, "48 days"), GroupValue(71, "71 days")])]
    second = parse(grouped_bar_chart(groups, series=BAR_SERIES, title="Cycle days"))
    ids = [p.get("id") for root in (first, second) for p in root.iter(f"{SVG}pattern")]
    assert len(ids) == len(set(ids)) == 2
    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")


def test_the_same_input_renders_the_same_markup():
    def render():
        return grouped_bar_chart(win_rates(), series=BAR_SERIES, title="Win rates")
    assert render() == render()


def test_grouped_values_with_an_href_are_links():
    root = win_rate_chart()
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ["/deals/?won=1"]


def test_an_empty_grouped_chart_says_no_data():
    root = parse(grouped_bar_chart([], series=BAR_SERIES, title="Win rates"))
    assert "No data" in all_text(root)


def test_a_group_with_the_wrong_number_of_values_is_rejected():
    with pytest.raises(ValueError):
        grouped_bar_chart([Group("Win rate", [GroupValue(1, "1")])], series=BAR_SERIES, title="x")


# Lines

def paths(root: ET.Element) -> list[ET.Element]:
    return [p for p in root.iter(f"{SVG}path") if "series-line" in p.get("class")]


def test_a_line_breaks_at_missing_values():
    points = months([40, 45, None, 52, 58], [30, 28, 35, 33, 31])
    root = parse(line_chart(points, series=LINE_SERIES[:2], title="Win rate trend"))
    first, second = (p.get("d") for p in paths(root))
    assert first.count("M") == 2  # M2..M3 gap..M4..M5
    assert second.count("M") == 1


def test_an_isolated_value_shows_its_marker_without_a_line():
    points = months([40, None, 52, None], [30, 28, 35, 33])
    root = parse(line_chart(points, series=LINE_SERIES[:2], title="Win rate trend"))
    assert len(paths(root)) == 1  # only the second series has two values in a row
    circles = [c for c in root.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert len(circles) == 2


@pytest.mark.parametrize("y_max, suffix, labels", [
    (100, " %", ["0 %", "25 %", "50 %", "75 %", "100 %"]),
    (60, " d", ["0 d", "20 d", "40 d", "60 d"]),
    (30, " d", ["0 d", "10 d", "20 d", "30 d"]),
    (7, "", None),
])
def test_the_y_axis_has_three_to_five_labelled_gridlines(y_max, suffix, labels):
    points = months([1, 2], [3, 4])
    root = parse(line_chart(points, series=LINE_SERIES[:2], title="t", y_max=y_max,
                            y_suffix=suffix))
    grid = [ln for ln in root.iter(f"{SVG}line") if ln.get("class") in ("chart-grid", "chart-axis")]
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert 3 <= len(grid) <= 5 and len(axis) == len(grid)
    if labels:
        assert axis == labels
    assert axis[0].startswith("0") and axis[-1].removesuffix(suffix) in (str(y_max), f"{y_max}.0")


def test_series_are_told_apart_by_marker_shape_and_dash():
    points = months([40, 45], [30, 28], [10, 12])
    root = parse(line_chart(points, series=LINE_SERIES, title="Win rate trend"))
    shapes = [{tag(m) for m in root.iter() if f"marker-{shape}" in m.get("class", "")}
              for shape in ("circle", "square", "triangle")]
    assert shapes == [{"circle"}, {"rect"}, {"polygon"}]
    assert [p.get("stroke-dasharray") for p in paths(root)] == [None, "6 4", None]
    legend = root.find(f".//{SVG}g[@class='chart-legend']")
    assert [ln.get("stroke-dasharray") for ln in legend.iter(f"{SVG}line")] == [None, "6 4", None]
    keys = {tag(m) for m in legend.iter() if "marker" in m.get("class", "")}
    assert keys == {"circle", "rect", "polygon"}


def test_each_marker_has_a_title_with_the_point_the_series_and_the_display():
    points = [Point("Nov 2026", [40, 25], ["40 % (8 of 20)", "25 % (1 of 4)"])]
    root = parse(line_chart(points, series=LINE_SERIES[:2], title="Win rate trend"))
    titles = [m.find(f"{SVG}title").text for m in root.iter()
              if "marker" in m.get("class", "") and m.find(f"{SVG}title") is not None]
    assert titles == ["Nov 2026, With an agreed plan: 40 % (8 of 20)",
                      "Nov 2026, Without a plan: 25 % (1 of 4)"]


def test_the_last_value_of_each_series_is_printed_at_its_end():
    points = months([40, 45, 61], [30, None, 59])
    root = parse(line_chart(points, series=LINE_SERIES[:2], title="Win rate trend"))
    ends = [t for t in root.iter(f"{SVG}text") if "chart-end-label" in t.get("class")]
    assert sorted(t.text for t in ends) == ["59 %", "61 %"]
    first, second = sorted(float(t.get("y")) for t in ends)
    assert second - first >= 13  # close values are pushed apart, not printed over each other


def test_a_single_point_shows_markers_only():
    root = parse(line_chart([Point("Nov 2026", [40, 20], ["40 %", "20 %"])],
                            series=LINE_SERIES[:2], title="Win rate trend"))
    assert paths(root) == []
    assert {"Nov 2026", "40 %", "20 %"} <= set(all_text(root))


def test_many_points_label_every_other_month_ending_with_the_latest():
    points = months(list(range(12)), list(range(12)))
    root = parse(line_chart(points, series=LINE_SERIES[:2], title="Win rate trend"))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert labels == [f"M{k} 2026" for k in range(2, 13, 2)]
    few = parse(line_chart(points[:6], series=LINE_SERIES[:2], title="Win rate trend"))
    assert len([t for t in few.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]) == 6


def test_month_columns_with_an_href_are_links():
    root = parse(line_chart(months([40, 45], [30, 28]), series=LINE_SERIES[:2], title="t"))
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ["/m/0", "/m/1"]


def test_an_empty_line_chart_says_no_data():
    root = parse(line_chart([], series=LINE_SERIES[:2], title="Win rate trend"))
    assert "No data" in all_text(root)


def test_a_line_chart_without_any_value_says_no_data_over_its_axes():
    root = parse(line_chart(months([None, None], [None, None]), series=LINE_SERIES[:2], title="t"))
    assert "No data" in all_text(root) and paths(root) == []


# Every chart

@pytest.mark.parametrize("index", [0, 1, 2], ids=["hbar", "grouped", "line"])
def test_charts_are_labelled_images_that_scale_with_their_container(index):
    svg = every_chart()[index]
    root = parse(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.get("width") == "100%" and root.get("height") is None
    assert re.fullmatch(r"0 0 \d+ [\d.]+", root.get("viewBox"))
    assert root.get("preserveAspectRatio") == "xMinYMin meet"
    assert "px" not in svg and "<script" not in svg


@pytest.mark.parametrize("hostile", [HOSTILE, QUOTES])
@pytest.mark.parametrize("index", [0, 1, 2], ids=["hbar", "grouped", "line"])
def test_hostile_labels_displays_and_links_come_out_escaped(index, hostile):
    svg = every_chart(label=hostile, display=hostile, href=hostile)[index]
    assert "<script" not in svg and 'onload="' not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == hostile and root.find(f"{SVG}desc").text == hostile
    assert {a.get("href") for a in root.iter(f"{SVG}a")} == {hostile}
    texts = set(all_text(root)) | {t.text for t in root.iter(f"{SVG}title")}
    assert hostile in texts
    assert any(hostile in (t.text or "") and t.text != hostile for t in root.iter(f"{SVG}title"))


def test_descriptions_default_to_a_text_version_of_the_data():
    root = stage_chart()
    assert root.find(f"{SVG}desc").text.startswith("Discovery: 100 · USD 1.2M; Proposal:")


def test_no_data_goes_through_gettext(monkeypatch):
    monkeypatch.setattr(charts, "_", lambda text: {"No data": "Keine Daten"}.get(text, text))
    for svg in (hbar_chart([], title="t"), grouped_bar_chart([], series=BAR_SERIES, title="t"),
                line_chart([], series=LINE_SERIES, title="t")):
        assert "Keine Daten" in all_text(parse(svg))


def test_the_stylesheet_styles_every_class_the_charts_use():
    css = (Path(__file__).resolve().parents[2] / "static/css/charts.css").read_text()
    styled = set(re.findall(r"\.([a-z][a-z-]*)", css))
    used = {cls for svg in every_chart() for element in parse(svg).iter()
            for cls in element.get("class", "").split()}
    structural = {"chart-hbar", "chart-grouped", "chart-line", "bar", "bar-hatched", "hatch",
                  "chart-legend", "chart-legend-item", "chart-legend-text", "chart-label",
                  "chart-link", "series-line", "marker-circle", "marker-square", "marker-triangle"}
    assert used - structural <= styled, used - structural - styled
