"""The 资金 block in the long format: a 年度资金总额 line and its 其中 lines (issue 14, item 5).

The 其中 lines (财政拨款, 上年结转, 其他资金) are written as 行类型 其中, or as further 资金 rows — the
only way the long format once allowed, which gave totals above 100. Either way they are sub-rows
of the 资金 line, never lines of their own: every engine gives the scalar engine's results, no
total exceeds 100 unless the rows' 分值 do, a total that disagrees with its 其中 lines is FUND_SUM,
and ``batch explain`` agrees with ``batch score`` on every form, line for line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch_parity import NATIONAL, assert_engines_agree
from typer.testing import CliRunner

from jixiao.batch.explain import explain_form
from jixiao.batch.synth import synth
from jixiao.cli import app

runner = CliRunner()


def with_parts(frame: pl.DataFrame, seed: int, share: float = 0.5) -> tuple[pl.DataFrame, set[str]]:
    """Synthetic forms, some with their 资金 line split into two or three 其中 lines (written as 其中
    or as further 资金 rows), some of which do not add up; returns the forms that do not."""
    rng = np.random.default_rng(seed)
    frame = frame.with_columns((pl.col("行号") * 10).alias("行号"), pl.col("行类型").cast(pl.String))
    funds = frame.filter(pl.col("行类型") == "资金")
    keys = funds["表单编号"].to_list()
    chosen = [k for k in keys if rng.random() < share]
    wrong = {k for k in chosen if rng.random() < 0.3}
    extra = []
    for r in funds.filter(pl.col("表单编号").is_in(chosen)).iter_rows(named=True):
        n = int(rng.integers(2, 4))
        kind = str(rng.choice(["其中", "资金"]))
        shares = [0.6, 0.4] if n == 2 else [0.5, 0.3, 0.2]
        budget, spent = r["全年预算数"], r["全年执行数"]
        for i, s in enumerate(shares):
            part = dict(r, 行类型=kind, 三级指标=f"其中{i + 1}", 行号=r["行号"] + i + 1, 分值=None, 得分=None)
            if budget is not None:
                part["全年预算数"] = round(budget * s, 2) if i < n - 1 else budget - sum(round(budget * x, 2) for x in shares[:-1])
            if spent is not None:
                part["全年执行数"] = round(spent * s, 2) if i < n - 1 else spent - sum(round(spent * x, 2) for x in shares[:-1])
            if r["表单编号"] in wrong and i == n - 1:
                part["全年执行数"] = (part["全年执行数"] or 0.0) + 1.0
            extra.append(part)
    out = pl.concat([frame, pl.DataFrame(extra, schema=frame.schema)]) if extra else frame
    assert out["行类型"].null_count() == 0
    return out.sort("表单编号", "行号"), wrong


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(5, 60), st.integers(0, 2**31))
def test_engines_agree_when_forms_have_several_fund_rows(n, seed):
    frame, wrong = with_parts(synth(n, seed, 0.2), seed)
    _, forms = assert_engines_agree(NATIONAL, frame)
    assert forms["重算总分"].max() <= 100.0
    flagged = set(forms.filter(pl.col("FUND_SUM"))["表单编号"].to_list())
    assert wrong <= flagged  # a part changed by 1: always a disagreement
    assert not forms["TOTAL_ABOVE_MAX"].any()


def test_explain_agrees_with_score_on_every_form_with_fund_rows(tmp_path: Path):
    frame, wrong = with_parts(synth(40, 9, 0.3), 9, share=0.7)
    path, out = tmp_path / "forms.parquet", tmp_path / "results"
    frame.write_parquet(path)
    assert runner.invoke(app, ["batch", "score", str(path), "-o", str(out)]).exit_code == 0
    forms = pl.read_parquet(out / "forms.parquet")
    assert forms["重算总分"].max() <= 100.0
    for row in forms.iter_rows(named=True):
        result, mismatches = explain_form(out, row["表单编号"])
        assert mismatches == [], (row["表单编号"], mismatches)
        assert result.total == row["重算总分"]
        assert ("FUND_SUM" in {f.code for f in result.findings}) == row["FUND_SUM"]
        assert len(result.lines) == row["行数"]
    assert wrong <= set(forms.filter(pl.col("FUND_SUM"))["表单编号"].to_list())


def test_the_chizhou_case_other_lines_as_fund_rows_no_longer_exceed_100():
    """The issue's form: its 其中 lines written as 资金 rows gave 105.86 and explain said 97.24."""
    rows = [
        {"行号": 1, "行类型": "资金", "全年预算数": 89.974, "全年执行数": 89.974, "分值": 10.0, "得分": 10.0},
        {"行号": 2, "行类型": "资金", "三级指标": "本年财政拨款", "全年预算数": 89.974, "全年执行数": 89.974},
        {"行号": 3, "行类型": "资金", "三级指标": "上年结转资金", "全年预算数": 0.0, "全年执行数": 0.0},
        {"行号": 4, "行类型": "定量", "运算符": "≥", "年度指标值": 50.0, "实际完成值": 50.0, "分值": 90.0, "得分": 90.0},
        {"行号": 5, "行类型": "合计", "得分": 100.0},
    ]
    frame = pl.DataFrame([dict(r, 表单编号="CZ") for r in rows], infer_schema_length=None)
    lines, forms = assert_engines_agree(NATIONAL, frame)
    assert forms["重算总分"].to_list() == [100.0] and lines.height == 2
    assert forms["复核原因"].to_list() == [""]


def test_total_above_the_maximum_is_always_flagged():
    rows = [
        {"行号": 1, "行类型": "资金", "全年预算数": 100.0, "全年执行数": 100.0, "分值": 10.0, "得分": 10.0},
        {"行号": 2, "行类型": "定量", "运算符": "≥", "年度指标值": 50.0, "实际完成值": 50.0, "分值": 95.0, "得分": 95.0},
        {"行号": 3, "行类型": "合计", "得分": 105.0},
    ]
    frame = pl.DataFrame([dict(r, 表单编号="X") for r in rows], infer_schema_length=None)
    _, forms = assert_engines_agree(NATIONAL, frame)
    assert forms["重算总分"].to_list() == [105.0]
    assert forms["TOTAL_ABOVE_MAX"].to_list() == [True] and forms["WEIGHT_SUM"].to_list() == [True]
    # A stated total above 100 on a form that recomputes to 100 is flagged too.
    frame = frame.with_columns(pl.when(pl.col("行号") == 2).then(90.0).otherwise(pl.col("分值")).alias("分值"),
                               pl.when(pl.col("行号") == 2).then(90.0).otherwise(pl.col("得分")).alias("得分"))
    _, forms = assert_engines_agree(NATIONAL, frame)
    assert forms["重算总分"].to_list() == [100.0] and forms["TOTAL_ABOVE_MAX"].to_list() == [True]
