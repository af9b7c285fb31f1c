import hashlib
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from fakes import (
    add,
    add_presets,
    finalised_study,
    new_study,
    realistic_study,
    small_study,
    with_finals,
)
from optuna.trial import TrialState

from nas.cli.main import main
from nas.outputs import OutputError
from nas.report.figures import (
    FINAL_ACC,
    PROXY_ACC,
    STRIP_ROWS,
    final_figure,
    pareto_figure,
)
from nas.report.final import final_info
from nas.report.html import _ERROR_HOOK, render_report
from nas.report.pareto import pareto_info

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXTERNAL = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return render_report(finalised_study(), tmp_path_factory.mktemp("report") / "realistic.html")


def test_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert not EXTERNAL.search(text), EXTERNAL.search(text)
    markup = re.sub(r"<script>.*?</script>", "<script></script>", text, flags=re.S)  # page minus inline JS
    assert "<link" not in markup and "src=" not in markup and "mathjax" not in markup.lower()
    assert "Plotly.newPlot" in text and len(text) > 3_000_000  # plotly.js itself is inlined
    assert text.count("plotly.js v") == 1  # ... once
    for div in ("pareto-flops", "pareto-params", "pareto-latency_ms", "final-flops", "proxy-vs-final", "hypervolume",
                "importance-accuracy", "recommendation", "export-command"):
        assert f'id="{div}"' in text
    assert "hsnet-tiny" in text and "mobilenetv3-small" in text and "budget 5M" in text
    assert "<h1>Study realistic</h1>" in text and "71.00%" in text and 'class="dataframe pareto"' in text
    assert "against elapsed time" in text and "final test accuracy" in text and "proxy validation accuracy" in text


def test_empty_study_still_writes_a_page(tmp_path):
    text = render_report(new_study("empty"), tmp_path / "sub" / "empty.html").read_text(encoding="utf-8")
    assert 'id="no-trials"' in text and "0 completed" in text and "</html>" in text
    assert "No recommendation yet" in text and "has no completed trial" in text and 'id="no-final"' in text


def _body(text: str) -> str:
    return re.sub(r"<script>.*?</script>", "", text, flags=re.S)


def test_the_page_opens_with_the_recommendation(report):
    text = report.read_text(encoding="utf-8")
    body = _body(text)
    box = re.search(r'<div class="recommend" id="recommendation">(.*?)</div>', body, re.S).group(1)
    assert body.index('id="recommendation"') < body.index('id="pareto-flops"')
    assert "by <b>final test accuracy</b>" in box and "final test accuracy" in box and "proxy validation" in box
    assert "FLOPs" in box and "params" in box and "CPU latency" in box and "conv_k3_c16" in box
    assert "best preset within 5M FLOPs: mobilenetv3-small-ldc1" in box
    assert re.search(r'<code id="export-command">nas export realistic --pick trial:\d+ -o arch.yaml</code>', box)
    screened, full = map(int, re.search(r"<b>(\d+)</b> screened: <b>(\d+)</b> fully trained", body).groups())
    assert screened == full + 2 and "stopped early (1 at rung 0, 1 at rung 1; never ranked)" in body
    assert "4</b> finalised" in body


def test_a_study_without_final_results_still_renders(tmp_path):
    text = render_report(small_study(), tmp_path / "s.html").read_text(encoding="utf-8")
    body = _body(text)
    assert 'id="no-final"' in body and 'id="final-flops"' not in body and 'id="proxy-vs-final"' not in body
    assert "by <b>proxy validation accuracy</b>" in body and "trial 4" in body
    # Too few ranked trials for importances: one line says why, no bars.
    assert 'id="importance-note"' in body and "at least 20 ranked trials" in body and 'id="importance-' not in \
        body.replace('id="importance-note"', "")


@pytest.mark.parametrize("finals, panel", [({2: 0.83, 4: 0.81}, False), ({0: 0.71, 2: 0.83, 4: 0.85}, True)])
def test_proxy_vs_final_needs_three_final_results(tmp_path, finals, panel):
    text = render_report(with_finals(small_study(), finals), tmp_path / "s.html").read_text(encoding="utf-8")
    body = _body(text)
    assert 'id="final-flops"' in body and 'id="no-final"' not in body
    assert ('id="proxy-vs-final"' in body) is panel and ('id="no-correlation"' in body) is not panel
    if panel:
        assert "Kendall tau = 1.00 over 3 architectures" in text


def test_pareto_plot_is_readable():
    study = realistic_study()
    add_presets(study)
    add(study, TrialState.PRUNED, 0.75, 1_500_000, rung=1)
    info = pareto_info(study)
    fig = pareto_figure(info)
    lo, hi = fig.layout.yaxis.range
    shown = info.accuracies()
    assert 0.5 < lo < min(shown) and max(shown) < hi <= 1.01  # zoomed to the data, not 0-100%
    assert fig.layout.yaxis.title.text == PROXY_ACC
    strip = [t for t in fig.data if t.name == STRIP_ROWS[0]]
    assert len(strip) == 1 and set(strip[0].y) == {STRIP_ROWS[0]} and strip[0].yaxis == "y2"
    assert all(0 not in (t.y or ()) for t in fig.data if t.yaxis in (None, "y"))  # nothing parked at 0%
    assert len(fig.layout.annotations) == len(info.baselines) == 8
    stopped = [t for t in fig.data if t.name.startswith("stopped")]
    assert len(stopped) == 1 and "stopped at rung 1" in stopped[0].hovertext[0]
    assert all(PROXY_ACC in h for t in fig.data for h in (t.hovertext or ()))
    assert not any(t.name == "Pareto-optimal" and info.stopped[0].x("flops") in t.x for t in fig.data)


def test_final_panel_is_labelled():
    info = final_info(finalised_study())
    fig = final_figure(info, 5_000_000)
    assert fig.layout.yaxis.title.text == FINAL_ACC and fig.layout.yaxis.range[0] > 0.7
    assert sorted(a.text for a in fig.layout.annotations) == [
        "mobilenetv3-small", "mobilenetv3-small-ldc1", "mobilenetv3-small-ldc3"]
    assert all(FINAL_ACC in h and PROXY_ACC in h for t in fig.data for h in (t.hovertext or ()))


def test_cli(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    realistic_study(url)
    out = tmp_path / "r.html"
    assert main(["report", "realistic", "--storage", url, "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out) and out.exists()
    assert main(["report", "nope", "--storage", url]) == 2
    assert "studies there: realistic" in capsys.readouterr().err
    assert main(["report", "realistic", "--storage", url, "-o", str(out), "--max-flops", "1M"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "most accurate architecture within 1M FLOPs" in text
    assert f"nas export realistic --storage {url} --pick trial:" in text


@pytest.mark.parametrize("value", ["abc", "0", "-1", "", "5X", "nan", "1e9"])
def test_cli_bad_max_flops_is_one_line(tmp_path, capsys, value):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    new_study("r", url)
    out = tmp_path / "r.html"
    assert main(["report", "r", "--storage", url, "-o", str(out), "--max-flops", value]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--max-flops" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_missing_default_storage(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "ghost"]) == 2
    assert "no study 'ghost'" in capsys.readouterr().err


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("alias", ["same", "dot", "symlink"])
def test_report_never_overwrites_the_study_storage(tmp_path, alias):
    db = tmp_path / "r.db"
    study = new_study("r", f"sqlite:///{db}")
    before = _sha256(db)
    output = {"same": db, "dot": tmp_path / "." / "sub" / ".." / "r.db", "symlink": tmp_path / "link.html"}[alias]
    if alias == "symlink":
        output.symlink_to(db)
    with pytest.raises(OutputError, match="storage file"):
        render_report(study, output)
    assert _sha256(db) == before


def test_report_replaces_the_old_one_atomically(tmp_path):
    """A reader holding the old page keeps reading the old page; no temporary file is left."""
    out = tmp_path / "r.html"
    out.write_text("old page")
    with open(out, encoding="utf-8") as reader:
        render_report(new_study("r"), out)
        assert reader.read() == "old page"
    assert "</html>" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


@pytest.mark.parametrize("case, message", [("folder", "is a folder"), ("under-a-file", "is not a folder"),
                                           ("device", "not a regular file")])
def test_unwritable_report_path_is_one_line(tmp_path, capsys, case, message):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    new_study("r", url)
    (tmp_path / "plain").write_text("x")
    if case == "device":  # a device of the test's own: a regression must not replace a system one
        try:
            os.mknod(tmp_path / "dev", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except (PermissionError, AttributeError):
            pytest.skip("creating a device node needs root")
    output = {"folder": str(tmp_path), "under-a-file": str(tmp_path / "plain" / "r.html"),
              "device": str(tmp_path / "dev")}[case]
    before = sorted(tmp_path.rglob("*"))
    assert main(["report", "r", "--storage", url, "-o", output]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_renders_in_a_browser(report, tmp_path):
    from PIL import Image

    dom = _chromium(tmp_path, "--dump-dom", report.as_uri()).stdout
    assert dom.count('class="main-svg"') >= 5, "plotly drew no figures"
    assert re.search(r'class="[^"]*js-plotly-plot[^"]*"[^>]*>.*?<svg', dom, re.S)
    errors = re.search(r'<pre id="js-errors"[^>]*>(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1).strip() == "", errors and errors.group(1)
    # The preset labels as the browser drew them: no two overlap.
    for div, least in (("pareto-flops", 8), ("pareto-params", 8), ("final-flops", 3)):
        start = dom.index(f'id="{div}"')
        ends = [m.start() for m in re.finditer(r'<div id="[^"]+" class="plotly-graph-div', dom) if m.start() > start]
        figure = dom[start:min(ends, default=len(dom))]
        boxes = [(float(x), float(y), float(x) + float(w), float(y) + float(h)) for x, y, w, h in re.findall(
            r'<g class="annotation"[^>]*>.*?translate\(([\d.]+),([\d.]+)\)"><rect class="bg" x="0.5" y="0.5" '
            r'width="([\d.]+)" height="([\d.]+)"', figure)]
        assert len(boxes) >= least, (div, len(boxes))
        clash = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                 if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
        assert not clash, (div, clash)

    png = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={png}", "--window-size=1400,2400", report.as_uri())
    image = Image.open(png).convert("RGB")
    assert image.size == (1400, 2400)
    colours = image.getcolors(maxcolors=1 << 20)
    non_white = sum(n for n, c in colours if c != (255, 255, 255))
    assert len(colours) > 50 and non_white > 0.02 * 1400 * 2400, "the screenshot is (nearly) blank"


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_error_hook_catches_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(f"<html><head>{_ERROR_HOOK}</head><body><pre id='js-errors' hidden></pre>"
                    "<script>undefinedFunction();</script></body></html>")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "undefinedFunction" in re.search(r'<pre id="js-errors"[^>]*>(.*?)</pre>', dom, re.S).group(1)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_readme_picture_script_draws_a_study(tmp_path):
    import importlib.util

    from PIL import Image

    spec = importlib.util.spec_from_file_location("make_pareto_png", Path(__file__).parents[2] / "docs" / "make_pareto_png.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    add_presets(realistic_study(url))
    png = script.draw("realistic", url, tmp_path / "out" / "pareto.png", width=900, height=500)
    image = Image.open(png).convert("RGB")
    assert image.size == (900, 500)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50 and sum(n for n, c in colours if c != (255, 255, 255)) > 0.02 * 900 * 500
