"""Streaming a batch in chunks (bounded memory, issue 14 item 8) gives exactly the results of
scoring it whole: chunks end at a form's end, a form longer than a chunk is held back until it
is complete, and a file whose forms are not in 表单编号 order is scored whole instead."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jixiao.batch import polars_engine, scalar
from jixiao.batch.io import normalise
from jixiao.batch.plan import plan_for
from jixiao.batch.synth import synth
from jixiao.intake.form import load_form_framework

PLAN = plan_for(load_form_framework("national-project/2020"))


def plain(df: pl.DataFrame, *keys: str) -> pl.DataFrame:
    df = df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, (pl.Enum, pl.Categorical)))
    return df.sort(list(keys))


@pytest.mark.parametrize("chunk", [5, 37, 400, 10**9])
@pytest.mark.parametrize("shuffled", [False, True])
def test_streamed_results_equal_the_reference(tmp_path: Path, chunk: int, shuffled: bool):
    frame = synth(60, 8, 0.3)
    if shuffled:
        frame = frame.sample(fraction=1.0, shuffle=True, seed=1)
    lf = normalise(frame.lazy(), dict(frame.schema), "t").frame
    stages: dict = {}
    polars_engine.write(PLAN, lf, tmp_path / "l.parquet", tmp_path / "f.parquet", stages, chunk_rows=chunk)
    want_lines, want_forms = scalar.run(PLAN, lf)
    assert_frame_equal(plain(pl.read_parquet(tmp_path / "l.parquet"), "表单编号", "行号"),
                       plain(want_lines, "表单编号", "行号"), check_dtypes=False, check_exact=True)
    assert_frame_equal(plain(pl.read_parquet(tmp_path / "f.parquet"), "表单编号"), plain(want_forms, "表单编号"),
                       check_dtypes=False, check_exact=True)
    assert set(stages) == {"read", "score", "forms", "write"}


def test_a_folder_of_parts_in_key_order_is_streamed(tmp_path: Path):
    # Large exports come as part files; read in name order, their forms stay in 表单编号 order, so
    # the batch is streamed (never falls back to scoring it whole) and gives the reference results.
    from jixiao.batch.io import read_batch

    folder = tmp_path / "forms"
    folder.mkdir()
    for part, seed in ((10, 31), (11, 32), (12, 33)):
        synth(40, seed, 0.3).write_parquet(folder / f"part-{part}.parquet")
    lf = read_batch(folder).frame
    polars_engine._write_streamed(PLAN, lf, tmp_path / "l.parquet", tmp_path / "f.parquet", None, 97)
    want_lines, want_forms = scalar.run(PLAN, lf)
    assert_frame_equal(plain(pl.read_parquet(tmp_path / "f.parquet"), "表单编号"), plain(want_forms, "表单编号"),
                       check_dtypes=False, check_exact=True)
    assert pl.read_parquet(tmp_path / "l.parquet").height == want_lines.height
