"""The streamed Polars engine's pipeline and its cheaper paths (issue 14, item 8) change no result.

* :func:`~jixiao.batch.polars_engine.read_ahead` gives every chunk in order, reads at most one
  ahead, raises the reader's failure in the caller's thread and ends its thread when the caller
  stops early;
* a failure while a chunk's results are written (in the writer thread) is raised by ``write``;
* ``evaluate_lines(..., fills=…)`` gives exactly the filled values of the plain evaluation, on
  synthetic and messy tables, whether an output is put in place (fixed to one constant outside
  the groups that compute it) or gathered (fixed to different constants);
* the line groups are specialised and compiled once per plan, with the same results;
* the DOUBLE_COUNT rows are found alike whether 运算符 is an Enum or text.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from jixiao.batch import polars_engine
from jixiao.batch.io import normalise
from jixiao.batch.plan import code_values, numbered, plan_for
from jixiao.batch.synth import synth
from jixiao.core import expr as E
from jixiao.intake.form import load_form_framework

FRAMEWORK = load_form_framework("national-project/2020")


def fresh_plan():
    return plan_for(FRAMEWORK)


def rows_of(frame: pl.DataFrame, plan) -> pl.DataFrame:
    lf = normalise(frame.lazy(), dict(frame.schema), "t", check=False).frame
    return polars_engine.with_runs(polars_engine._read(plan, lf))


def messy(seed: int) -> pl.DataFrame:
    """Synthetic forms with some lines of no known type, unknown operators and missing grades."""
    frame = synth(60, seed, 0.3).with_columns(pl.col(c).cast(pl.String) for c in ("行类型", "运算符", "评价等级"))
    i = pl.int_range(pl.len())
    return frame.with_columns(
        pl.when(i % 17 == 3).then(pl.lit("未知行")).when(i % 23 == 5).then(None).otherwise(pl.col("行类型")).alias("行类型"),
        pl.when(i % 13 == 2).then(pl.lit("约等于")).otherwise(pl.col("运算符")).alias("运算符"),
        pl.when(i % 11 == 4).then(None).otherwise(pl.col("评价等级")).alias("评价等级"))


def trees_of(plan) -> dict[str, E.Node]:
    return {"score": plan.score, "code": numbered(plan.code, code_values(plan.code)), "needs": plan.needs_reason,
            "ratio": plan.ratio, "year": plan.year, "change": plan.change}


class Source:
    """An iterator of numbered chunks that records how far it has been read."""

    def __init__(self, n: int, fail_at: int | None = None):
        self.n, self.fail_at, self.read = n, fail_at, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.read == self.n:
            raise StopIteration
        if self.read == self.fail_at:
            raise OSError("磁盘读取失败")
        self.read += 1
        return self.read


def test_read_ahead_gives_every_chunk_in_order_and_reads_one_ahead():
    source = Source(6)
    seen = []
    for chunk in polars_engine.read_ahead(source, threading.Event()):
        time.sleep(0.05)  # the reader has time to run ahead, if it would
        seen.append((chunk, source.read))
    assert [c for c, _ in seen] == [1, 2, 3, 4, 5, 6]
    assert all(read <= chunk + 1 for chunk, read in seen)


def test_read_ahead_raises_the_readers_failure_in_the_caller():
    got = []
    with pytest.raises(OSError, match="磁盘读取失败"):
        for chunk in polars_engine.read_ahead(Source(6, fail_at=3), threading.Event()):
            got.append(chunk)
    assert got == [1, 2, 3]


def test_read_ahead_ends_its_thread_when_the_caller_stops():
    before = {t.ident for t in threading.enumerate()}
    ahead = polars_engine.read_ahead(Source(1000), threading.Event())
    assert next(ahead) == 1
    ahead.close()
    assert not [t for t in threading.enumerate() if t.ident not in before and t.name == "jixiao-batch-reader"]


def test_a_failed_write_is_raised_and_the_files_are_closed(tmp_path: Path, monkeypatch):
    frame = synth(50, 2, 0.1)
    lf = normalise(frame.lazy(), dict(frame.schema), "t").frame
    calls = {"n": 0}
    original = polars_engine._dictionary_text

    def failing(df):
        calls["n"] += 1
        if calls["n"] == 3:  # the second chunk's lines, written while the third is scored
            raise OSError("磁盘已满")
        return original(df)

    monkeypatch.setattr(polars_engine, "_dictionary_text", failing)
    with pytest.raises(OSError, match="磁盘已满"):
        polars_engine.write(fresh_plan(), lf, tmp_path / "l.parquet", tmp_path / "f.parquet", chunk_rows=100)
    assert calls["n"] == 3  # nothing written after the failure
    assert not [t for t in threading.enumerate() if t.name == "jixiao-batch-reader"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_filled_outputs_are_the_plain_values_filled(seed: int):
    plan = fresh_plan()
    df = rows_of(messy(seed), plan)
    trees = trees_of(plan) | {
        # fixed to True on 资金 lines and False on the others: gathered, not put in place
        "is_funds": E.cmp("==", E.Ref("行类型"), E.const("资金")),
        # read only on 资金 lines (a Fail elsewhere): put in place
        "budget": E.Cond(E.cmp("==", E.Ref("行类型"), E.const("资金")), E.Ref("全年预算数"), E.Fail("NOT_FUNDS")),
    }
    fills = {"ratio": None, "year": False, "change": False, "is_funds": False, "budget": -1.0}
    plain = polars_engine.evaluate_lines(plan, df, trees, {"score"})
    filled = polars_engine.evaluate_lines(plan, df, trees, {"score"}, fills=fills)
    assert filled.columns == plain.columns
    for name in plain.columns:
        want = plain[name] if fills.get(name) is None else plain[name].fill_null(fills[name])
        got = filled[name]
        if want.dtype == pl.Null:
            want = want.cast(got.dtype)
        assert_series_equal(got, want, check_exact=True, check_dtypes=name not in fills)
    # the 资金 lines' budgets are where they belong
    funds = df["行类型"].cast(pl.String) == "资金"
    assert filled.filter(funds)["budget"].to_list() == df.filter(funds)["全年预算数"].fill_null(-1.0).to_list()
    assert set(filled.filter(~funds.fill_null(False))["budget"].to_list()) <= {-1.0}


def test_line_groups_are_compiled_once_per_plan():
    plan = fresh_plan()
    df = rows_of(messy(4), plan)
    trees = trees_of(plan)
    first = polars_engine.evaluate_lines(plan, df, trees, {"score"})
    reasons = list(plan.reasons)
    (groups,) = [v for k, v in plan.engine_cache.items() if k[0] == "polars_groups"]
    compiled = dict(groups)
    assert len(compiled) >= 5  # 资金, 合计, several operators and grades, the unknown kinds
    again = polars_engine.evaluate_lines(plan, df, trees, {"score"})
    assert_frame_equal(again, first, check_exact=True)
    assert plan.reasons == reasons
    assert all(groups[k] is compiled[k] for k in compiled)  # reused, not rebuilt
    other = fresh_plan()  # a plan of its own builds its own
    assert_frame_equal(polars_engine.evaluate_lines(other, df, trees, {"score"}), first, check_exact=True)


def test_double_count_rows_alike_for_enum_and_text_operators():
    # 金额单位 万元, budget 100 万元, spent 80; a row whose target is the budget (in 元) and whose
    # actual is the spending counts the shortfall twice, under ≥, > and = alike, never under ≤.
    rows = []
    for i, op in enumerate(["≥", ">", "=", "≤", "不低于"]):
        key = f"F{i}"
        rows += [{"表单编号": key, "行号": 1, "行类型": "资金", "金额单位": "万元", "全年预算数": 100.0,
                  "全年执行数": 80.0, "分值": 10.0, "偏差原因": "流标"},
                 {"表单编号": key, "行号": 2, "行类型": "定量", "运算符": op, "年度指标值": 1_000_000.0, "单位": "元",
                  "实际完成值": 800_000.0, "分值": 20.0, "偏差原因": "流标"},
                 {"表单编号": key, "行号": 3, "行类型": "合计", "得分": 90.0}]
    plan = fresh_plan()
    df = rows_of(pl.DataFrame(rows), plan)
    assert isinstance(df.schema["运算符"], pl.Enum)
    score = polars_engine.evaluate_lines(plan, df, {"score": plan.score}, set())["score"]
    as_enum = polars_engine.double_counted(plan, df, score)
    as_text = polars_engine.double_counted(plan, df.with_columns(pl.col("运算符").cast(pl.String)), score)
    assert_series_equal(as_enum, as_text)
    hit = df.filter(as_enum)["表单编号"].to_list()
    assert hit == ["F0", "F1", "F2", "F4"]  # 不低于 is read as ≥


def test_streamed_results_equal_the_whole_batch_whatever_the_chunk(tmp_path: Path):
    frame = messy(5)
    lf = normalise(frame.lazy(), dict(frame.schema), "t", check=False).frame
    lines, forms = polars_engine.run(fresh_plan(), lf)
    for chunk in (9, 64, 10**6):
        out = tmp_path / str(chunk)
        polars_engine.write(fresh_plan(), lf, out / "l.parquet", out / "f.parquet", chunk_rows=chunk)
        text = {c: pl.String for c, t in lines.schema.items() if isinstance(t, pl.Enum)}
        assert_frame_equal(pl.read_parquet(out / "l.parquet"), lines.cast(text), check_exact=True)
        text = {c: pl.String for c, t in forms.schema.items() if isinstance(t, pl.Enum)}
        assert_frame_equal(pl.read_parquet(out / "f.parquet"), forms.cast(text), check_exact=True)


def test_a_form_out_of_order_after_chunks_were_written_falls_back_to_the_whole_batch(tmp_path: Path, monkeypatch):
    # Sorted forms, then one whose key sorts first: chunks are scored and handed to the writer
    # before the out-of-order form is met; the batch is then scored whole, and the files rewritten.
    frame = synth(40, 6, 0.2)
    first = frame["表单编号"].min()
    late = frame.filter(pl.col("表单编号") == first).with_columns(pl.lit("A-late").alias("表单编号"))
    frame = pl.concat([frame, late])
    lf = normalise(frame.lazy(), dict(frame.schema), "t", check=False).frame
    lines, forms = polars_engine.run(fresh_plan(), lf)
    written = []
    original = polars_engine._dictionary_text
    monkeypatch.setattr(polars_engine, "_dictionary_text", lambda df: written.append(df.height) or original(df))
    stages: dict = {}
    polars_engine.write(fresh_plan(), lf, tmp_path / "l.parquet", tmp_path / "f.parquet", stages, chunk_rows=50)
    assert written  # streamed chunks went to the writer before the form out of order was met
    assert set(stages) == {"read", "score", "forms", "write"}  # the whole batch's stages
    def text(df: pl.DataFrame) -> pl.DataFrame:  # the whole batch's files keep their Enums
        return df.cast({c: pl.String for c, t in df.schema.items() if isinstance(t, pl.Enum)})

    assert_frame_equal(text(pl.read_parquet(tmp_path / "l.parquet")), text(lines), check_exact=True)
    assert_frame_equal(text(pl.read_parquet(tmp_path / "f.parquet")), text(forms), check_exact=True)
    assert "A-late" in forms["表单编号"].to_list()
    assert not [t for t in threading.enumerate() if t.name == "jixiao-batch-reader"]
