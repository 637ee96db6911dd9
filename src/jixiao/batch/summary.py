"""What a finance bureau wants from a scored batch (``jixiao batch summary``).

Read from ``forms.parquet`` alone: the grade distribution, totals by region and by department
(forms, mean recomputed total, forms to review), and the forms needing review with their codes:
stated total ≠ recomputed, execution below the threshold without a reason, qualitative score
outside its band, over-achievement, and the rest of :data:`jixiao.batch.plan.FLAGS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from jixiao.batch.plan import FLAGS, KEY
from jixiao.core.errors import InvalidInput, Problem

GRADE_ORDER = ["优", "良", "中", "差"]


@dataclass
class Summary:
    forms: int
    scored: int
    grades: list[tuple[str, int]]
    by_region: pl.DataFrame
    by_department: pl.DataFrame
    reasons: list[tuple[str, int]]
    review: pl.DataFrame


def forms_file(results: Path) -> Path:
    path = results / "forms.parquet" if results.is_dir() else results
    if not path.exists():
        raise InvalidInput("找不到批量结果", [Problem(
            "E-BATCH-RESULTS", f"{path} 不存在；请先运行 jixiao batch score FORMS -o {results}", str(results))])
    return path


def read_forms(results: Path, progress=None) -> pl.DataFrame:
    """forms.parquet (a file, or Spark's folder of parts), read in batches with a progress bar."""
    import pyarrow.dataset as ds

    path = forms_file(results)
    try:
        dataset = ds.dataset(str(path), format="parquet")
        total = dataset.count_rows()
    except (OSError, ValueError) as exc:
        raise InvalidInput("无法读取批量结果", [Problem("E-BATCH-RESULTS", f"无法读取：{exc}", str(path))]) from None
    task = progress.add_task("读取逐表结果", total=total) if progress is not None else None
    parts = []
    for batch in dataset.to_batches(batch_size=200_000):
        parts.append(pl.from_arrow(batch))
        if task is not None:
            progress.advance(task, batch.num_rows)
    if not parts:
        return pl.DataFrame()
    frame = pl.concat(parts, how="vertical_relaxed")
    missing = [c for c in (KEY, "重算总分", "状态", "等级", "需复核", "复核原因") if c not in frame.columns]
    if missing:
        raise InvalidInput("批量结果不完整", [Problem("E-BATCH-RESULTS", f"forms.parquet 缺少列：{'、'.join(missing)}", str(path))])
    return frame


def summarise(forms: pl.DataFrame) -> Summary:
    n = forms.height
    scored = forms.filter(pl.col("状态") == "scored").height
    counts = dict(forms.group_by("等级").len().iter_rows())
    grades = [(g, int(counts.get(g, 0))) for g in GRADE_ORDER] + [("（无等级）", int(counts.get(None, 0)))]

    def by(column: str) -> pl.DataFrame:
        return (forms.group_by(column)
                .agg(pl.len().alias("份数"), pl.col("重算总分").filter(pl.col("状态") == "scored").mean().alias("平均总分"),
                     *[(pl.col("等级") == g).sum().alias(g) for g in GRADE_ORDER],
                     pl.col("需复核").sum().alias("需复核"))
                .with_columns(pl.col(column).cast(pl.String).fill_null("（未填）"))
                .sort(["份数", column], descending=[True, False]))

    reasons = [(f, int(forms[f].sum())) for f in FLAGS if f in forms.columns]
    review = forms.filter(pl.col("需复核")).sort(KEY)
    return Summary(n, scored, grades, by("地区"), by("主管部门"), [r for r in reasons if r[1]], review)
