"""Server-rendered SVG charts for the pipeline dashboard: hbar_chart, grouped_bar_chart and
line_chart.

Pure functions over plain data (no database, no request) that return SafeString SVG with
every piece of text escaped. Colours come from classes in static/css/charts.css, with
fill/stroke attributes as a fallback for PDFs and pages without the stylesheet. Colour is
never the only cue: values are printed, series differ by hatching, dash style and marker
shape, and every bar or point has a <title> with its label and value.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, FONT, SMALL = 520, 13, 11.5  # in viewBox units; the SVG scales to its container
ROW, BAR_H = 30, 18  # hbar_chart
TONES = {"primary": "#2455c3", "success": "#1f7a3d", "danger": "#b42318", "warning": "#8a5a00",
         "muted": "#5d6778"}
TEXT, MUTED, GRID, AXIS = "#1c2230", "#5d6778", "#dde1e8", "#c3c9d4"
STYLES = ("solid", "hatched", "dashed")


def _check_tone(tone: str) -> None:
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}, expected one of {', '.join(TONES)}")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str
    href: str | None = None
    tone: str = "primary"

    def __post_init__(self):
        if self.value is None or self.value < 0:
            raise ValueError(f"bar value must be a number >= 0, got {self.value!r}")
        _check_tone(self.tone)


@dataclass(frozen=True)
class Series:
    name: str
    style: str  # "solid" or "hatched" for bars; "solid" or "dashed" for lines
    tone: str = "primary"

    def __post_init__(self):
        if self.style not in STYLES:
            raise ValueError(f"unknown series style {self.style!r}")
        _check_tone(self.tone)


@dataclass(frozen=True)
class GroupValue:
    value: float | None  # None: no data, no bar, only the display text
    display: str
    href: str | None = None


@dataclass(frozen=True)
class Group:
    label: str
    values: Sequence[GroupValue]  # one per series, in series order


@dataclass(frozen=True)
class Point:
    label: str
    values: Sequence[float | None]  # one per series; None breaks the line
    displays: Sequence[str]  # one per series, for the markers' <title>
    href: str | None = None


def _n(x: float) -> str:
    """A coordinate, short: 12.0 -> "12", 12.345 -> "12.3"."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _join(parts) -> SafeString:
    return mark_safe("".join(conditional_escape(p) for p in parts))


def _text_width(text: str, size: float = FONT) -> float:
    """Estimated advance width. The server has no font metrics, so this errs on the wide side."""
    return size * sum(
        1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.95 if c in "MWmw%@"
        else 0.32 if c in " .,:;!|'()[]ijlt" else 0.75 if c.isupper() else 0.6 for c in text)


def _fit(text: str, width: float, size: float = FONT) -> str:
    """text, cut with an ellipsis so it fits width."""
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _fmt(value: float) -> str:
    """A number for the axis or a direct label, in the active locale."""
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def _tip(label: str, series: str, value: str) -> str:
    return _("%(label)s, %(series)s: %(value)s") % {
        "label": label, "series": series, "value": value}


def _pair(label: str, value: str) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _uid(kind: str, *content) -> str:
    """An id prefix derived from the chart's content: deterministic for tests, distinct for
    two different charts on one page (identical charts get identical, harmless, defs)."""
    digest = hashlib.sha1(repr((kind, content)).encode(), usedforsecurity=False).hexdigest()
    return f"chart-{digest[:10]}"


def _svg(kind: str, uid: str, height: float, title: str, desc: str, body) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{}" viewBox="0 0 {} {}"'
        ' width="100%" preserveAspectRatio="xMinYMin meet" role="img"'
        ' aria-labelledby="{}-title {}-desc" font-family="system-ui, sans-serif"'
        ' font-size="{}" fill="{}"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        "{}</svg>", kind, WIDTH, _n(height), uid, uid, FONT, TEXT, uid, title, uid, desc, body)


def _title(text: str) -> SafeString | str:
    return format_html("<title>{}</title>", text) if text else ""


def _text(cls: str, x, y, text: str, *, anchor: str = "start", fill: str = TEXT,
          size: float | None = None, title: str = "") -> SafeString:
    """A <text> (escaped); size in viewBox units when not the chart's default."""
    font = format_html(' font-size="{}"', size) if size else ""
    return format_html('<text class="{}" x="{}" y="{}" text-anchor="{}" fill="{}"{}>{}{}</text>',
                       cls, _n(x), _n(y), anchor, fill, font, text, _title(title))


def _no_data(y: float) -> SafeString:
    return _text("chart-empty", WIDTH / 2, y, _("No data"), anchor="middle", fill=MUTED)


def _item(href: str | None, hit: tuple[float, float, float, float], body) -> SafeString:
    """body in a link with a transparent hit area (x, y, w, h) when href is set."""
    if not href:
        return format_html("<g>{}</g>", body)
    x, y, w, h = hit
    return format_html('<a href="{}" class="chart-link"><rect class="chart-hit" x="{}" y="{}"'
                       ' width="{}" height="{}" fill="#ffffff" fill-opacity="0"/>{}</a>',
                       href, _n(x), _n(y), _n(w), _n(h), body)


def _rect(cls: str, fill: str, x, y, w, h, title: str = "", stroke: str = "") -> SafeString:
    extra = format_html(' stroke="{}" stroke-width="1"', stroke) if stroke else ""
    return format_html('<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2" fill="{}"{}>{}'
                       "</rect>", cls, _n(x), _n(y), _n(w), _n(h), fill, extra, _title(title))


def _legend(series: Sequence[Series], key) -> tuple[SafeString, float]:
    """One entry per series, wrapping: key(index, series, x, y) draws a 24x12 key at x, y.
    Returns the markup and its height."""
    parts, x, y = [], 0.0, 0.0
    for i, s in enumerate(series):
        name = _fit(s.name, WIDTH - 30)
        w = 30 + _text_width(name)
        if x and x + w > WIDTH:
            x, y = 0.0, y + 20
        parts.append(format_html('<g class="chart-legend-item">{}{}</g>', key(i, s, x, y),
                                 _text("chart-legend-text", x + 30, y + 10.5, name)))
        x += w + 20
    return format_html('<g class="chart-legend">{}</g>', _join(parts)), y + 20



def hbar_chart(bars: Sequence[Bar], *, title: str, description: str = "") -> SafeString:
    """One row per bar: the label on the left, the bar scaled to the largest value, the
    display text after the bar (inside its end when it would run out of the viewBox)."""
    bars = list(bars)
    uid = _uid("hbar", title, description, bars)
    if not bars:
        return _svg("hbar", uid, 40, title, description or _("No data"), _no_data(25))
    label_w = min(max(_text_width(b.label) for b in bars), WIDTH * 0.34)
    x0 = label_w + 10
    area = WIDTH - x0 - 4
    top = max(float(b.value) for b in bars)
    rows = []
    for i, bar in enumerate(bars):
        y = 4 + i * ROW
        base = y + ROW / 2 + FONT * 0.35
        w = max(1.0, area * float(bar.value) / top) if top else 1.0
        if x0 + w + 6 + _text_width(bar.display) <= WIDTH:
            value = _text("chart-value", x0 + w + 6, base, bar.display)
        else:  # inside the bar's end, white on the tone
            value = _text("chart-value chart-value-inside", x0 + w - 6, base,
                          _fit(bar.display, w - 12), anchor="end", fill="#ffffff")
        rows.append(_item(bar.href, (0, y, WIDTH, ROW), _join([
            _text("chart-label", label_w, base, _fit(bar.label, label_w), anchor="end"),
            _rect(f"bar bar-{bar.tone}", TONES[bar.tone], x0, y + (ROW - BAR_H) / 2, w, BAR_H,
                  title=_pair(bar.label, bar.display)),
            value,
        ])))
    desc = description or "; ".join(_pair(b.label, b.display) for b in bars)
    return _svg("hbar", uid, 8 + len(bars) * ROW, title, desc, _join(rows))


def _hatch(pattern_id: str, tone: str) -> SafeString:
    return format_html('<pattern id="{}" class="hatch" patternUnits="userSpaceOnUse" width="6"'
                       ' height="6" patternTransform="rotate(45)"><rect class="hatch-bg" width="6"'
                       ' height="6" fill="#ffffff"/><line class="hatch-{}" x1="1.5" y1="0" x2="1.5"'
                       ' y2="6" stroke="{}" stroke-width="3"/></pattern>',
                       pattern_id, tone, TONES[tone])


def _series_rect(uid: str, i: int, s: Series, x, y, w, h, title: str = "") -> SafeString:
    """A bar or legend key in the series' style: solid fill, or the hatch with an outline."""
    if s.style == "hatched":
        return _rect(f"bar bar-hatched hatch-{s.tone}", f"url(#{uid}-p{i})", x, y, w, h,
                     title=title, stroke=TONES[s.tone])
    return _rect(f"bar bar-{s.tone}", TONES[s.tone], x, y, w, h, title=title)


def grouped_bar_chart(groups: Sequence[Group], *, series: Sequence[Series], title: str,
                      description: str = "", max_value: float | None = None) -> SafeString:
    """Per group a label, then one bar per series under it, the display text after each bar
    and a legend on top. Scaled to max_value, else to the largest value; None draws no bar."""
    groups, series = list(groups), list(series)
    if any(len(g.values) != len(series) for g in groups):
        raise ValueError("every group needs one value per series")
    uid = _uid("grouped", title, description, groups, series, max_value)
    defs = _join(_hatch(f"{uid}-p{i}", s.tone)
                 for i, s in enumerate(series) if s.style == "hatched")
    legend, y = _legend(series, lambda i, s, x, ly: _series_rect(uid, i, s, x, ly, 24, 12))
    parts = [format_html("<defs>{}</defs>", defs), legend]
    if not groups:
        parts.append(_no_data(y + 24))
        return _svg("grouped", uid, y + 36, title, description or _("No data"), _join(parts))
    values = [float(v.value) for g in groups for v in g.values if v.value is not None]
    top = float(max_value) if max_value is not None else max(values, default=0.0)
    display_w = max((_text_width(v.display) for g in groups for v in g.values), default=0)
    area = WIDTH - min(display_w, WIDTH * 0.45) - 10
    y += 6
    summary = []
    for g in groups:
        parts.append(_text("chart-group-label", 0, y + FONT, _fit(g.label, WIDTH)))
        y += 20
        for i, (s, v) in enumerate(zip(series, g.values)):
            tip = _tip(g.label, s.name, v.display)
            summary.append(tip)
            base = y + 7 + FONT * 0.35
            if v.value is None:
                body = _text("chart-value chart-na", 0, base, v.display, fill=MUTED, title=tip)
            else:
                w = min(max(1.0, area * float(v.value) / top), area) if top else 1.0
                body = _join([_series_rect(uid, i, s, 0, y, w, 14, title=tip),
                              _text("chart-value", w + 6, base, v.display)])
            parts.append(_item(v.href, (0, y - 2, WIDTH, 18), body))
            y += 18
        y += 10
    return _svg("grouped", uid, y, title, description or "; ".join(summary), _join(parts))


def _marker(i: int, tone: str, x: float, y: float, title: str = "") -> SafeString:
    """The series' marker: circle, square, triangle, diamond (then round again)."""
    shape = ("circle", "square", "triangle", "diamond")[i % 4]
    tip = _title(title)
    common = format_html('class="marker marker-{} marker-{}" fill="{}" stroke="#ffffff"'
                         ' stroke-width="1.5"', shape, tone, TONES[tone])
    if shape == "circle":
        return format_html('<circle {} cx="{}" cy="{}" r="4.5">{}</circle>',
                           common, _n(x), _n(y), tip)
    if shape == "square":
        return format_html('<rect {} x="{}" y="{}" width="8.5" height="8.5">{}</rect>',
                           common, _n(x - 4.25), _n(y - 4.25), tip)
    corners = {"triangle": ((0, -6), (5.5, 4), (-5.5, 4)),
               "diamond": ((0, -6), (6, 0), (0, 6), (-6, 0))}[shape]
    points = " ".join(f"{_n(x + dx)},{_n(y + dy)}" for dx, dy in corners)
    return format_html('<polygon {} points="{}">{}</polygon>', common, points, tip)


def _line_attrs(s: Series) -> SafeString:
    dash = mark_safe(' stroke-dasharray="6 4"') if s.style == "dashed" else ""
    return format_html('class="series-line line-{}" fill="none" stroke="{}" stroke-width="2.5"'
                       ' stroke-linejoin="round" stroke-linecap="round"{}',
                       s.tone, TONES[s.tone], dash)


def _ticks(y_max: float) -> list[float]:
    """3 to 5 gridline values from 0 to y_max, on round steps where possible."""
    for count in (4, 5, 3, 2):
        step = y_max / count
        mantissa = step / 10 ** math.floor(math.log10(step))
        if any(math.isclose(mantissa, nice) for nice in (1, 2, 2.5, 3, 5)):
            break
    else:
        count, step = 4, y_max / 4
    return [step * k for k in range(count + 1)]


def _spread(ys: list[float], gap: float, low: float, high: float) -> list[float]:
    """ys (sorted) pushed apart by at least gap, kept within low..high."""
    out = list(ys)
    for k in range(1, len(out)):
        out[k] = max(out[k], out[k - 1] + gap)
    for k in range(len(out) - 1, -1, -1):
        out[k] = min(out[k], high if k == len(out) - 1 else out[k + 1] - gap)
    return [max(y, low) for y in out]


def line_chart(points: Sequence[Point], *, series: Sequence[Series], title: str,
               description: str = "", y_max: float = 100.0, y_suffix: str = " %") -> SafeString:
    """A line per series over evenly spaced points, y from 0 to y_max with labelled
    gridlines, a marker per value, the last value of each series printed at its end."""
    points, series = list(points), list(series)
    if any(len(p.values) != len(series) or len(p.displays) != len(series) for p in points):
        raise ValueError("every point needs one value and one display per series")
    uid = _uid("line", title, description, points, series, y_max, y_suffix)

    def key(i, s, x, y):
        return format_html('<line {} x1="{}" y1="{}" x2="{}" y2="{}"/>{}', _line_attrs(s), _n(x),
                           _n(y + 6), _n(x + 24), _n(y + 6), _marker(i, s.tone, x + 12, y + 6))

    legend, top = _legend(series, key)
    if not points:
        return _svg("line", uid, top + 36, title, description or _("No data"),
                    _join([legend, _no_data(top + 24)]))
    top, plot_h = top + 12, 180
    bottom = top + plot_h
    y_max = float(y_max) if y_max and y_max > 0 else 1.0
    ticks = _ticks(y_max)
    left = max(_text_width(_fmt(t) + y_suffix, SMALL) for t in ticks) + 8
    ends = []  # (point index, value, series index, text) of each series' last value
    for i in range(len(series)):
        known = [(k, float(p.values[i])) for k, p in enumerate(points) if p.values[i] is not None]
        if known:
            ends.append((*known[-1], i, _fmt(known[-1][1]) + y_suffix))
    right = WIDTH - max((_text_width(e[3]) * 1.1 for e in ends), default=0) - 4
    n = len(points)  # points sit 14 in from the left, 8 from the right, end labels 9 right of them
    step = (right - left - 22) / (n - 1) if n > 1 else right - left
    xs = [left + 14 + k * step for k in range(n)] if n > 1 else [(left + right) / 2]

    def ypos(v):
        return bottom - plot_h * min(max(float(v), 0.0), y_max) / y_max

    parts = [legend]
    for t in ticks:
        parts.append(format_html('<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
                                 "chart-axis" if t == 0 else "chart-grid", _n(left), _n(ypos(t)),
                                 _n(right), _n(ypos(t)), AXIS if t == 0 else GRID))
        parts.append(_text("chart-axis-text", left - 6, ypos(t) + 4, _fmt(t) + y_suffix,
                           anchor="end", fill=MUTED, size=SMALL))
    for i, s in enumerate(series):
        runs = [list(run) for has_value, run in groupby(
            zip(xs, (p.values[i] for p in points)), key=lambda xv: xv[1] is not None) if has_value]
        d = " ".join("M" + " L".join(f"{_n(x)},{_n(ypos(v))}" for x, v in run)
                     for run in runs if len(run) > 1)  # a None ends a run: the line breaks
        if d:
            parts.append(format_html('<path {} d="{}"/>', _line_attrs(s), d))
    stride = math.ceil(n / 8)
    for k, (x, p) in enumerate(zip(xs, points)):
        body = [_marker(i, s.tone, x, ypos(v), _tip(p.label, s.name, p.displays[i]))
                for i, (s, v) in enumerate(zip(series, p.values)) if v is not None]
        if (n - 1 - k) % stride == 0:
            label = _fit(p.label, step * stride - 6, SMALL)
            body.append(_text("chart-axis-text", x, bottom + 16, label,
                              anchor="middle", fill=MUTED, size=SMALL))
        x1, x2 = max(left, x - step / 2), min(right, x + step / 2)
        parts.append(_item(p.href, (x1, top, x2 - x1, plot_h + 22), _join(body)))
    for k, at_k in groupby(sorted(ends, key=lambda e: (e[0], ypos(e[1]))), key=lambda e: e[0]):
        at_k = list(at_k)  # labels ending on the same point are pushed apart
        ys = _spread([ypos(e[1]) for e in at_k], FONT, top, bottom)
        for (_k, _v, i, text), y in zip(at_k, ys):
            tone = series[i].tone
            parts.append(_text(f"chart-end-label text-{tone}", xs[k] + 9, y + 4.5, text,
                               fill=TONES[tone]))
    if not ends:
        parts.append(_no_data(top + plot_h / 2))
    summary = "; ".join(_tip(p.label, s.name, p.displays[i])
                        for p in points for i, s in enumerate(series))
    return _svg("line", uid, bottom + 26, title, description or summary, _join(parts))
