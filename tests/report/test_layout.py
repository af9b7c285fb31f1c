import math

from fakes import MOBILENET_PRESETS

from nas.report.layout import (
    LABEL_HEIGHT_PX,
    MIN_PLOT_WIDTH_PX,
    accuracy_range,
    fit_labels,
    label_width,
    log_range,
    overlaps,
    place_labels,
)

X_RANGE = (math.log10(400_000), math.log10(60_000_000))
PRESETS = [(name, flops, acc) for name, flops, acc in MOBILENET_PRESETS]


def boxes_at(labels, width_px, height_px, x_range, y_range):
    """The label rectangles on a plot ``width_px`` wide, rebuilt from the offsets alone."""
    out = []
    for lab in labels:
        px = (math.log10(lab.x) - x_range[0]) / (x_range[1] - x_range[0]) * width_px + lab.dx
        py = (y_range[1] - lab.y) / (y_range[1] - y_range[0]) * height_px + lab.dy
        half = label_width(lab.text) / 2
        out.append((px - half, py - LABEL_HEIGHT_PX / 2, px + half, py + LABEL_HEIGHT_PX / 2))
    return out


def test_accuracy_range_is_zoomed_to_the_data():
    lo, hi = accuracy_range([0.78, 0.80, 0.86])
    assert 0.7 < lo < 0.78 and 0.86 < hi < 0.9
    lo, hi = accuracy_range([0.5])  # one point: a small window around it
    assert lo < 0.5 < hi and hi - lo < 0.05
    assert accuracy_range([]) is None and accuracy_range([float("nan")]) is None
    lo, hi = accuracy_range([0.0, 1.0])
    assert lo < 0 and hi > 1 and hi < 1.02  # points at the ends stay visible
    assert accuracy_range([0.7, 0.8], head=1.0)[1] > accuracy_range([0.7, 0.8])[1] + 0.09


def test_overlaps():
    assert overlaps((0, 0, 10, 10), (5, 5, 15, 15))
    assert not overlaps((0, 0, 10, 10), (10, 0, 20, 10))  # touching edges do not overlap
    assert not overlaps((0, 0, 10, 10), (0, 11, 10, 20))


def test_crowded_presets_get_labels_that_do_not_collide():
    y_range = accuracy_range([a for _, _, a in PRESETS], head=2.0)
    labels = place_labels(PRESETS, X_RANGE, y_range, height_px=400)
    assert [lab.text for lab in labels] == [name for name, _, _ in PRESETS]  # input order kept
    # The naive placement (every label centred right above its point) collides here.
    naive = [(lab.box[0], lab.box[1] - lab.dy - 20, lab.box[2], lab.box[3] - lab.dy - 20) for lab in labels]
    assert any(overlaps(a, b) for i, a in enumerate(naive) for b in naive[i + 1:])
    for width in (MIN_PLOT_WIDTH_PX, 800, 1200, 2000):  # clear at the narrowest width, so at every wider one
        boxes = boxes_at(labels, width, 400, X_RANGE, y_range)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not overlaps(a, b), (width, a, b)


def test_labels_keep_off_the_markers():
    y_range = accuracy_range([a for _, _, a in PRESETS] + [0.80], head=2.0)
    obstacle = (1_900_000, 0.80)
    labels = place_labels(PRESETS, X_RANGE, y_range, 400, obstacles=[obstacle])
    span_x, span_y = X_RANGE[1] - X_RANGE[0], y_range[1] - y_range[0]
    for x, y in [(f, a) for _, f, a in PRESETS] + [obstacle]:
        mx = (math.log10(x) - X_RANGE[0]) / span_x * MIN_PLOT_WIDTH_PX
        my = (y_range[1] - y) / span_y * 400
        marker = (mx - 6, my - 6, mx + 6, my + 6)
        assert not any(overlaps(marker, lab.box) for lab in labels)


def test_fit_labels_makes_room_above():
    accs = [a for _, _, a in PRESETS]
    y_range, labels = fit_labels(PRESETS, X_RANGE, accs, 300)
    assert y_range[1] > max(accs) and len(labels) == 6
    assert min(lab.box[1] for lab in labels) >= 0  # every label inside the plot
    assert y_range[0] > 0.7  # still zoomed: the room is made above, not by showing 0-100%
    assert fit_labels([], X_RANGE, accs, 300) == (accuracy_range(accs), [])
    assert fit_labels(PRESETS, X_RANGE, [], 300) == (None, [])


def test_log_range():
    lo, hi = log_range([1e6, 1e7])
    assert lo < 6 and hi > 7 and hi - lo < 1.3
    assert log_range([0, -1]) is None
