"""The faster paths of the Polars engine (issue 14, item 8) change no result and no refusal.

* the value checks left to the engine's one pass (``read_batch(check=False)`` and
  ``write(..., unchecked=…)``, as ``jixiao batch score`` runs them) refuse every bad table of the
  corpus with the reader's very problems, wherever the bad row falls among the chunks, and write
  nothing a reader could take for results;
* :func:`~jixiao.batch.io.within_bounds`, the check from each column's ends, agrees with
  :func:`~jixiao.batch.io.check_values` on random hostile tables (hypothesis);
* unit conversion by one signed factor per pair of units gives, for every pair (money, other, blank;
  Enum or text columns), what the rule says: exact integer ratios for money, missing otherwise;
* results written with dictionary-encoded text read back as plain text, equal to the in-memory
  results, when chunks have different review texts.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).parent))
from bad_inputs.batch_corpus import BATCH_CORPUS

from jixiao.batch import polars_engine
from jixiao.batch.io import check_values, normalise, read_batch, within_bounds
from jixiao.batch.plan import FORM_COLUMNS, LINE_COLUMNS, plan_for
from jixiao.batch.synth import synth
from jixiao.core.errors import InvalidInput
from jixiao.intake.form import MONEY, load_form_framework

PLAN = plan_for(load_form_framework("national-project/2020"))


def problems(exc: InvalidInput) -> list[tuple[str, str, str | None]]:
    return [(p.code, p.message, p.where) for p in exc.problems]


def refusal(call) -> list | None:
    try:
        call()
    except InvalidInput as exc:
        return problems(exc)
    return None


@pytest.mark.parametrize("bad", BATCH_CORPUS, ids=[b.name for b in BATCH_CORPUS])
@pytest.mark.parametrize("chunk", [1, 3, 10**6])
def test_checks_in_the_engines_pass_refuse_like_the_reader(bad, chunk: int, tmp_path: Path):
    path = bad.make(tmp_path)
    want = refusal(lambda: read_batch(path))
    assert want is not None and want[0][0] == bad.code
    out = tmp_path / "out"
    out.mkdir()

    def deferred():
        batch = read_batch(path, check=False)
        polars_engine.write(PLAN, batch.frame, out / "l.parquet", out / "f.parquet", chunk_rows=chunk,
                            unchecked=None if batch.checked else batch.source)

    assert refusal(deferred) == want


def test_a_bad_row_in_a_late_chunk_is_refused_before_it_is_scored(tmp_path: Path):
    frame = synth(30, 5, 0.0)
    last = frame.height - 1
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == last - 1).then(-5.0).otherwise(pl.col("分值"))
                               .alias("分值"))
    path = tmp_path / "forms.parquet"
    frame.write_parquet(path)
    want = refusal(lambda: read_batch(path))
    assert want and want[0][0] == "E-IN-BATCH-VALUE" and "分值" in want[0][1]
    batch = read_batch(path, check=False)
    assert not batch.checked
    got = refusal(lambda: polars_engine.write(PLAN, batch.frame, tmp_path / "l.parquet", tmp_path / "f.parquet",
                                              chunk_rows=25, unchecked=batch.source))
    assert got == want


NUMBERS = {"年度指标值": pl.Float64, "实际完成值": pl.Float64, "分值": pl.Float64, "得分": pl.Float64,
           "全年预算数": pl.Float64, "全年执行数": pl.Float64}
hostile = st.one_of(st.none(), st.sampled_from([0.0, -0.0, -1.0, 5e-324, 1e15, 1e15 + 1, 1e16, 1e300, -1e300, 1000.0,
                                                1000.5, math.inf, -math.inf, math.nan]),
                    st.floats(allow_nan=True, allow_infinity=True))
row = st.fixed_dictionaries({"表单编号": st.sampled_from(["A", "B", None]),
                             "行类型": st.sampled_from(["资金", "定量", "定性", "合计"]),
                             "年度": st.one_of(st.none(), st.integers(1980, 2110)),
                             **{n: hostile for n in NUMBERS}})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=0, max_size=8))
def test_the_check_from_column_ends_agrees_with_the_full_checks(rows):
    frame = pl.DataFrame(rows, schema={"表单编号": pl.String, "行类型": pl.String, "年度": pl.Int64, **NUMBERS})
    lf = normalise(frame.lazy(), dict(frame.schema), "fuzz", check=False).frame
    refused = refusal(lambda: check_values(lf, "fuzz")) is not None
    assert within_bounds(lf) is not refused
    assert within_bounds(lf.collect()) is not refused


UNITS = ["元", "千元", "万元", "亿元", "个", "%", None, " 万元 "]


def expected_actual(value: float, actual_unit: str | None, unit: str | None) -> float | None:
    """The rule in words: same unit (or none stated) keeps the value; money converts by the exact
    integer ratio (multiplied up, divided down); anything else is unknown."""
    a = (actual_unit or "").strip() or None
    t = (unit or "").strip() or None
    if a is None or a == t:
        return value
    if a in MONEY and t in MONEY:
        up, down = int(MONEY[a]), int(MONEY[t])
        return value * float(up // down) if up >= down else value / float(down // up)
    return None


@pytest.mark.parametrize("as_enum", [False, True])
def test_unit_conversion_for_every_pair_of_units(as_enum: bool):
    pairs = [(a, t) for a in UNITS for t in UNITS]
    values = [1054.0, 7.0, 0.1, 3.0, 123456789.0]
    rows = [(a, t, v) for (a, t) in pairs for v in values]
    frame = pl.DataFrame({"表单编号": ["X"] * len(rows), "行类型": ["定量"] * len(rows),
                          "实际单位": [r[0] for r in rows], "单位": [r[1] for r in rows],
                          "实际完成值": [r[2] for r in rows]})
    if as_enum:
        cats = [u for u in UNITS if u is not None]
        frame = frame.with_columns(pl.col("实际单位", "单位").cast(pl.Enum(cats)))
    got = normalise(frame.lazy(), dict(frame.schema), "t", check=False).frame.select("实际完成值").collect()["实际完成值"].to_list()
    want = [expected_actual(v, a, t) for a, t, v in rows]
    assert got == want  # exactly: the same IEEE operations


def test_results_read_back_as_text_equal_to_the_scores_in_memory(tmp_path: Path):
    # Chunks of 7 rows hold different review texts (复核原因) and so different Enum categories.
    frame = synth(40, 3, 0.5)
    lf = normalise(frame.lazy(), dict(frame.schema), "t").frame
    polars_engine.write(PLAN, lf, tmp_path / "l.parquet", tmp_path / "f.parquet", chunk_rows=7)
    lines, forms = polars_engine.run(PLAN, lf)

    def text(df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, pl.Enum))

    read_lines, read_forms = pl.read_parquet(tmp_path / "l.parquet"), pl.read_parquet(tmp_path / "f.parquet")
    assert read_lines.columns == list(LINE_COLUMNS) and read_forms.columns == list(FORM_COLUMNS)
    assert all(t != pl.Categorical and not isinstance(t, pl.Enum) for t in [*read_lines.dtypes, *read_forms.dtypes])
    assert_frame_equal(read_lines, text(lines), check_exact=True)
    assert_frame_equal(read_forms, text(forms), check_exact=True)
    assert read_forms["复核原因"].n_unique() > 2


@pytest.mark.parametrize("categories", [["≥", "≤", "="], ["=", "≥", "≤", ">", "<"], [">=", "≥", "不低于", "x", "≤", "="]])
def test_dictionary_encoded_operators_map_like_text(categories: list[str]):
    # An Enum of the rule's own words is cast by name; one with other spellings is mapped per category.
    values = [c for c in categories for _ in range(2)] + [None]
    frame = pl.DataFrame({"表单编号": ["X"] * len(values), "行类型": ["定量"] * len(values), "运算符": values})
    as_text = normalise(frame.lazy(), dict(frame.schema), "t", check=False).frame
    enum = frame.with_columns(pl.col("运算符").cast(pl.Enum(categories)))
    as_enum = normalise(enum.lazy(), dict(enum.schema), "t", check=False).frame
    got, want = as_enum.select("运算符").collect(), as_text.select("运算符").collect()
    assert got.schema == want.schema
    assert got["运算符"].to_list() == want["运算符"].to_list()
    assert want["运算符"].null_count() == 1 + 2 * ("x" in categories)
