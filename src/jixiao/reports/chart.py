"""The report's chart: each level-one and level-two indicator's score against its weight.

Drawn with matplotlib (Agg) in a CJK font found on the machine (Noto Sans CJK SC first), with
``axes.unicode_minus`` off so no minus sign falls back to a font without it. The PNG is embedded
in the DOCX (and so the PDF) and the HTML, and written beside the Markdown.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

from jixiao.core.evaluation import Evaluation
from jixiao.core.numbers import fmt_points, round_half_up

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Noto Serif CJK SC")
WEIGHT_COLOR = "#d9dee7"
SCORE_COLOR = "#2f5597"
LOSS_COLOR = "#c0504d"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The first installed CJK font family, or '' when there is none (the chart then says so)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), "")


def render(ev: Evaluation, dpi: int = 150) -> bytes:
    """The chart as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt

    tops = ev.level(1)
    seconds = [(top, kid) for top in tops for kid in ev.children(top.id)]
    # Everything but the scores is the same for every case of a framework: the figure is built
    # once per layout and only the score bars and labels change (≈ 0.15 s a report saved in a
    # batch); the PNG is the same, byte for byte, as a figure built afresh.
    layout = (tuple((r.name, r.weight) for r in tops), tuple((kid.name, kid.weight, top.name) for top, kid in seconds))
    scores = ([r.score for r in tops], [kid.score for _, kid in seconds])
    with _LOCK:  # one figure is shared by every report of a layout
        fig, panels = _figure(cjk_font(), layout, dpi)
        with plt.rc_context(_rc(cjk_font())):
            for (bars, labels, weights), values in zip(panels, scores):
                _show(bars, labels, weights, values)
            out = io.BytesIO()
            fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


_LOCK = threading.Lock()


def _rc(font: str) -> dict:
    rc: dict = {"axes.unicode_minus": False, "font.size": 9, "svg.fonttype": "none"}
    if font:
        rc["font.family"] = [font]
    return rc


@lru_cache(maxsize=8)
def _figure(font: str, layout: tuple, dpi: int):
    """The chart for one layout (names and weights), its score bars and labels still to be set."""
    from matplotlib import pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    tops, seconds = layout
    with plt.rc_context(_rc(font)):
        fig = Figure(figsize=(6.3, 1.0 + 0.26 * (len(tops) + len(seconds)) + 0.6), dpi=dpi)
        grid = fig.add_gridspec(2, 1, height_ratios=[max(len(tops), 1) + 0.6, max(len(seconds), 1) + 0.6], hspace=0.45)
        panels = [_panel(fig.add_subplot(grid[0]), list(tops), "一级指标"),
                  _panel(fig.add_subplot(grid[1]), [(name, w) for name, w, _ in seconds], "二级指标",
                         groups=[group for _, _, group in seconds])]
        fig.legend(handles=[Patch(color=WEIGHT_COLOR, label="参考分值"), Patch(color=SCORE_COLOR, label="得分（满分）"),
                            Patch(color=LOSS_COLOR, label="得分（有扣分）")],
                   loc="lower center", fontsize=8, frameon=False, ncol=3)
        fig.suptitle("指标得分与参考分值对比", fontsize=11, fontweight="bold")
        fig.subplots_adjust(left=0.2, right=0.9, top=0.9, bottom=0.1)
    return fig, panels


def _panel(ax, rows, title: str, groups: list[str] | None = None):
    """One panel's weight bars, names and grid; returns its score bars and labels (empty yet)."""
    names = [name for name, _ in rows]
    weights = [w for _, w in rows]
    ys = list(range(len(rows)))[::-1]
    most = max(weights, default=1)
    ax.barh(ys, weights, height=0.7, color=WEIGHT_COLOR, label="参考分值", zorder=1)
    bars = ax.barh(ys, [0.0] * len(rows), height=0.42, color=SCORE_COLOR, label="得分", zorder=2)
    labels = [ax.text(w + most * 0.015, y, "", va="center", fontsize=8, color="#333333") for y, w in zip(ys, weights)]
    ax.set_yticks(ys, names)
    ax.set_xlim(0, most * 1.22)
    ax.set_title(title, loc="left", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#eeeeee", zorder=0)
    if groups:
        for i in range(1, len(groups)):
            if groups[i] != groups[i - 1]:
                ax.axhline(ys[i] + 0.5, color="#999999", linewidth=0.6, linestyle=(0, (3, 3)))
    return bars, labels, weights


def _show(bars, labels, weights, scores) -> None:
    """A case's scores on a panel: bar lengths, full (blue) or docked (red), and “score / weight”."""
    for bar, label, w, s in zip(bars, labels, weights, scores):
        bar.set_width(s or 0.0)
        bar.set_facecolor(SCORE_COLOR if s is not None and w - s < 1e-9 else LOSS_COLOR)
        shown = "—" if s is None else f"{round_half_up(s):.2f}"
        label.set_text(f"{shown} / {fmt_points(w)}")
