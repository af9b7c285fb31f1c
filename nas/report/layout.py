"""Where things go on a plot: the accuracy range to show and collision-free label positions.

Computation only (no plotly): :mod:`nas.report.figures` draws what these functions decide,
and the tests check the geometry directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: Label text is drawn at this size (px); the box estimates below assume it.
LABEL_FONT_PX = 11
#: An upper estimate of one character's width at :data:`LABEL_FONT_PX` in a sans-serif font.
CHAR_PX = 7.0
LABEL_HEIGHT_PX = 16.0
#: Labels are placed for a plot this narrow: a wider plot only moves points apart.
MIN_PLOT_WIDTH_PX = 600.0
MARKER_PX = 12.0
_GAP_PX = 3.0


def accuracy_range(values: Sequence[float], pad: float = 0.12, min_pad: float = 0.005,
                   head: float = 0.0) -> tuple[float, float] | None:
    """A padded accuracy-axis range around ``values`` (fractions), not the whole 0-100%.

    Args:
        values: the plotted accuracies.
        pad: padding on each side as a fraction of their span.
        min_pad: the least padding (so one point, or equal ones, still get a visible range).
        head: extra room above, as a fraction of the span (for labels over the points).

    Returns:
        ``(low, high)`` clipped to [0, 1] (plus a sliver so points at 0 or 1 stay visible), or
        ``None`` when there is nothing to show.
    """
    shown = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not shown:
        return None
    lo, hi = min(shown), max(shown)
    margin = max((hi - lo) * pad, min_pad)
    return max(lo - margin, -0.01), min(hi + margin + (hi - lo + margin) * head, 1.01)


@dataclass(frozen=True)
class Label:
    """A text label drawn ``(dx, dy)`` pixels from its point (screen y grows downwards).

    ``box`` is the label's rectangle ``(left, top, right, bottom)`` in pixels of a plot
    :data:`MIN_PLOT_WIDTH_PX` wide, the narrowest the placement allows for.
    """

    text: str
    x: float
    y: float
    dx: float
    dy: float
    box: tuple[float, float, float, float]


def overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two ``(left, top, right, bottom)`` rectangles share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_width(text: str) -> float:
    return CHAR_PX * len(text) + 6.0


def place_labels(points: Sequence[tuple[str, float, float]], x_range: tuple[float, float],
                 y_range: tuple[float, float], height_px: float, log_x: bool = True,
                 obstacles: Sequence[tuple[float, float]] = ()) -> list[Label]:
    """Offsets for point labels so that no two labels, nor a label and a marker, overlap.

    Each label tries positions right above its point, then higher, then below (a leader line
    joins it to the point), and takes the first free one; ``x`` order decides who goes first.
    Pixels across are counted for a plot :data:`MIN_PLOT_WIDTH_PX` wide: on a wider one the
    points only move apart, so labels that are clear here stay clear there.

    Args:
        points: ``(text, x, y)`` in data coordinates.
        x_range: the x axis range (``log10`` values when ``log_x``).
        y_range: the y axis range.
        height_px: the plot area's height in pixels (fixed by the figure's layout).
        log_x: whether the x axis is logarithmic.
        obstacles: other markers ``(x, y)`` (data coordinates) labels must not cover.

    Returns:
        One :class:`Label` per point, in the input order.
    """
    (x0, x1), (y0, y1) = x_range, y_range
    x_span, y_span = (x1 - x0) or 1.0, (y1 - y0) or 1.0

    def to_px(x: float, y: float) -> tuple[float, float]:
        xv = math.log10(x) if log_x else x
        return (xv - x0) / x_span * MIN_PLOT_WIDTH_PX, (y1 - y) / y_span * height_px

    markers = [to_px(x, y) for _, x, y in points] + [to_px(x, y) for x, y in obstacles]
    taken = [(mx - MARKER_PX / 2, my - MARKER_PX / 2, mx + MARKER_PX / 2, my + MARKER_PX / 2) for mx, my in markers]
    steps = [-(LABEL_HEIGHT_PX + 2) - k * (LABEL_HEIGHT_PX + _GAP_PX) for k in range(12)]
    candidates = steps + [-s for s in steps]
    placed: dict[int, Label] = {}
    for i in sorted(range(len(points)), key=lambda i: (points[i][1], points[i][2])):
        text, x, y = points[i]
        px, py = to_px(x, y)
        half_w, half_h = label_width(text) / 2, LABEL_HEIGHT_PX / 2
        best = None
        for dy in candidates:
            box = (px - half_w - _GAP_PX, py + dy - half_h, px + half_w + _GAP_PX, py + dy + half_h)
            if not any(overlaps(box, other) for other in taken):
                best = (dy, box)
                break
        if best is None:  # nowhere free: stack above everything, clear of every other label
            top = min(b[1] for b in taken) - _GAP_PX
            dy = top - half_h - py
            best = (dy, (px - half_w - _GAP_PX, py + dy - half_h, px + half_w + _GAP_PX, py + dy + half_h))
        dy, box = best
        taken.append(box)
        placed[i] = Label(text, x, y, 0.0, dy, box)
    return [placed[i] for i in range(len(points))]


def fit_labels(points: Sequence[tuple[str, float, float]], x_range: tuple[float, float], accuracies: Sequence[float],
               height_px: float, obstacles: Sequence[tuple[float, float]] = ()
               ) -> tuple[tuple[float, float] | None, list[Label]]:
    """An accuracy range with room above the points for their labels, and the labels.

    The range grows at the top (:func:`accuracy_range`'s ``head``) until every label box lies
    inside the plot, or up to twice the data's span.

    Returns:
        ``(y_range, labels)``; ``(None, [])`` when there are no accuracies.
    """
    labels: list[Label] = []
    y_range = accuracy_range(accuracies)
    if y_range is None or not points:
        return y_range, labels
    for head in (0.1, 0.25, 0.45, 0.7, 1.0, 1.5, 2.0):
        y_range = accuracy_range(accuracies, head=head)
        assert y_range is not None
        labels = place_labels(points, x_range, y_range, height_px, obstacles=obstacles)
        if min(label.box[1] for label in labels) >= 0:
            break
    return y_range, labels


def log_range(values: Sequence[float], pad: float = 0.06) -> tuple[float, float] | None:
    """A padded ``log10`` axis range around positive ``values`` (``None`` when there are none)."""
    logs = [math.log10(v) for v in values if v is not None and v > 0]
    if not logs:
        return None
    lo, hi = min(logs), max(logs)
    margin = max((hi - lo) * pad, 0.05)
    return lo - margin, hi + margin


__all__ = ["Label", "accuracy_range", "fit_labels", "label_width", "log_range", "overlaps", "place_labels"]
