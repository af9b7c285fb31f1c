"""Redraw ``docs/pareto.png``: a study's accuracy-vs-FLOPs plot as ``nas report`` draws it.

The picture in the README is the report's first plot for the README's own search:

    nas search search_spaces/lightweight.yaml --max-flops 5M --with-presets
    python docs/make_pareto_png.py lightweight-5M-fashion-mnist

It takes the figure from ``nas.Study.pareto_figure`` (the report's own), writes it as a standalone page (plotly.js inlined) and screenshots it with headless
Chromium, so it needs ``chromium`` on the PATH.

    python docs/make_pareto_png.py STUDY [--storage URL] [-o docs/pareto.png] [--width 1200] [--height 620]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nas
from nas.errors import NasError

ROOT = Path(__file__).resolve().parents[1]


def draw(study_name: str, storage: str | None, output: Path, width: int = 1200, height: int = 620) -> Path:
    """Screenshot the study's accuracy-vs-FLOPs figure into ``output`` (a PNG).

    Raises:
        NasError: when Chromium is missing or writes no picture.
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise NasError("drawing the PNG needs headless chromium on the PATH (apt-get install chromium)")
    fig = nas.open_study(study_name, storage).pareto_figure("flops")  # the report's figure, as a notebook gets it
    fig.update_layout(width=width, height=height)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "pareto.html"
        text = fig.to_html(include_plotlyjs=True, full_html=True, config={"displayModeBar": False})
        page.write_text(text.replace("<body>", '<body style="margin:0">', 1), encoding="utf-8")
        shot = Path(tmp) / "pareto.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={Path(tmp) / 'profile'}", f"--screenshot={shot}",
                        f"--window-size={width},{height}", page.as_uri()],
                       check=False, capture_output=True, timeout=120)
        if not shot.is_file():
            raise NasError("chromium wrote no screenshot")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, output)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study")
    parser.add_argument("--storage", help="default: sqlite:///studies/STUDY.db")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "pareto.png")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=620)
    args = parser.parse_args()
    try:
        print(draw(args.study, args.storage, args.output, args.width, args.height))
    except NasError as exc:
        print(f"make_pareto_png: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
