"""The report's chart: each level-one and level-two indicator's score against its weight.

Drawn with matplotlib (Agg) in a CJK font found on the machine (Noto Sans CJK SC first), with
``axes.unicode_minus`` off so no minus sign falls back to a font without it. The PNG is embedded
in the DOCX (and so the PDF) and the HTML, and written beside the Markdown.
"""

from __future__ import annotations

import io
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
    from matplotlib.figure import Figure

    font = cjk_font()
    rc = {"axes.unicode_minus": False, "font.size": 9, "svg.fonttype": "none"}
    if font:
        rc["font.family"] = [font]
    tops = ev.level(1)
    seconds = [(top, kid) for top in tops for kid in ev.children(top.id)]
    with plt.rc_context(rc):
        fig = Figure(figsize=(6.3, 1.0 + 0.26 * (len(tops) + len(seconds)) + 0.6), dpi=dpi)
        grid = fig.add_gridspec(2, 1, height_ratios=[max(len(tops), 1) + 0.6, max(len(seconds), 1) + 0.6], hspace=0.45)
        _panel(fig.add_subplot(grid[0]), [(r.name, r.weight, r.score) for r in tops], "一级指标")
        _panel(fig.add_subplot(grid[1]), [(kid.name, kid.weight, kid.score) for _, kid in seconds], "二级指标",
               groups=[top.name for top, _ in seconds])
        from matplotlib.patches import Patch

        fig.legend(handles=[Patch(color=WEIGHT_COLOR, label="参考分值"), Patch(color=SCORE_COLOR, label="得分（满分）"),
                            Patch(color=LOSS_COLOR, label="得分（有扣分）")],
                   loc="lower center", fontsize=8, frameon=False, ncol=3)
        fig.suptitle("指标得分与参考分值对比", fontsize=11, fontweight="bold")
        fig.subplots_adjust(left=0.2, right=0.9, top=0.9, bottom=0.1)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def _panel(ax, rows, title: str, groups: list[str] | None = None) -> None:
    names = [name for name, _, _ in rows]
    ys = list(range(len(rows)))[::-1]
    most = max((w for _, w, _ in rows), default=1)
    ax.barh(ys, [w for _, w, _ in rows], height=0.7, color=WEIGHT_COLOR, label="参考分值", zorder=1)
    scores = [s or 0.0 for _, _, s in rows]
    colors = [SCORE_COLOR if s is not None and w - s < 1e-9 else LOSS_COLOR for _, w, s in rows]
    ax.barh(ys, scores, height=0.42, color=colors, label="得分", zorder=2)
    for y, (_, w, s) in zip(ys, rows):
        shown = "—" if s is None else f"{round_half_up(s):.2f}"
        ax.text(w + most * 0.015, y, f"{shown} / {fmt_points(w)}", va="center", fontsize=8, color="#333333")
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
