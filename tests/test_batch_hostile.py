"""Hostile batch input: refused like a single form, the same verdict in every engine, and output
written whole or not at all (issue 15).

* every entry of ``tests/bad_inputs/batch_corpus.py`` through the real CLI: exit 2, its code, no
  traceback, no results folder created and an existing one left byte for byte;
* SIGINT and SIGTERM during ``batch score`` into an existing results folder leave it intact and
  no staging folder behind;
* a fuzz test (hypothesis, bounded in time) over long tables with hostile numbers: the reader
  refuses the table, or every engine gives the scalar engine's results, and the CLI never shows a
  traceback nor exits with anything but 0, 2 or 3.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from bad_inputs.batch_corpus import BATCH_CORPUS, BULK_CORPUS, GOOD
from test_batch_parity import NATIONAL, assert_engines_agree

from jixiao.batch.io import LIMIT, LIMITS, NON_NEGATIVE, normalise
from jixiao.batch.output import STAGING_PREFIX
from jixiao.batch.synth import synth
from jixiao.cli import app
from jixiao.core.errors import InvalidInput

runner = CliRunner()
SRC = Path(__file__).resolve().parent.parent / "src"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def no_staging(parent: Path) -> bool:
    """No staging folder beside the results nor inside them (where it goes when they exist)."""
    return not [p for p in parent.rglob(f"{STAGING_PREFIX}*")]


def test_corpus_names_are_unique():
    assert len({b.name for b in BATCH_CORPUS}) == len(BATCH_CORPUS) >= 15


@pytest.mark.parametrize("bad", BATCH_CORPUS, ids=[b.name for b in BATCH_CORPUS])
@pytest.mark.parametrize("engine", ["polars", "duckdb", "scalar"])
def test_bad_batch_is_refused_by_every_engine(bad, engine, tmp_path: Path):
    path = bad.make(tmp_path)
    fresh = tmp_path / "fresh"
    result = runner.invoke(app, ["batch", "score", str(path), "-o", str(fresh), "-e", engine])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert f"[{bad.code}]" in result.output and "Traceback" not in result.output
    assert bad.says in result.output
    assert not fresh.exists() and no_staging(tmp_path)


@pytest.mark.parametrize("bad", BULK_CORPUS, ids=[b.name for b in BULK_CORPUS])
def test_bad_bulk_input_is_refused_before_it_is_read(bad, tmp_path: Path):
    result = runner.invoke(app, bad.args(bad.make(tmp_path), tmp_path))
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), repr(result.exception)
    assert f"[{bad.code}]" in result.output and bad.says in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "lights.parquet").exists() and not (tmp_path / "reports").exists()


def test_bad_batch_leaves_existing_results_untouched(tmp_path: Path):
    out = tmp_path / "results"
    assert runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(out)]).exit_code == 0
    before = snapshot(out)
    for bad in BATCH_CORPUS:
        result = runner.invoke(app, ["batch", "score", str(bad.make(tmp_path)), "-o", str(out)])
        assert result.exit_code == 2, (bad.name, result.output)
        assert snapshot(out) == before, bad.name
    assert no_staging(tmp_path)


def test_good_table_scores_and_replaces_old_results(tmp_path: Path):
    out = tmp_path / "results"
    (out / "lines.parquet").mkdir(parents=True)  # an old Spark result: a folder of parts
    (out / "lines.parquet" / "part-0.parquet").write_bytes(b"old")
    (out / "notes.txt").write_text("mine")  # the user's own file stays
    result = runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "lines.parquet").is_file() and (out / "notes.txt").read_text() == "mine"
    forms = pl.read_parquet(out / "forms.parquet")
    assert forms["重算总分"].to_list() == [85.5] and no_staging(tmp_path)


def test_results_path_that_is_a_file_is_refused(tmp_path: Path):
    target = tmp_path / "results"
    target.write_text("x")
    result = runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(target)])
    assert result.exit_code == 2 and "[E-BATCH-ARG]" in result.output and target.read_text() == "x"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_score_leaves_old_results_and_no_staging(sig, tmp_path: Path):
    forms = tmp_path / "forms.parquet"
    synth(1500, 3, 0.1).write_parquet(forms)
    out = tmp_path / "results"
    assert runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(out)]).exit_code == 0
    before = snapshot(out)
    env = dict(os.environ, PYTHONPATH=str(SRC))
    # The scalar engine scores in Python (seconds for 1,500 forms), so the signal lands mid-run.
    proc = subprocess.Popen([sys.executable, "-c", "from jixiao.cli import main; main()", "batch", "score", str(forms),
                             "-o", str(out), "-e", "scalar"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while no_staging(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "scoring finished before the signal could be sent"
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in err.decode()
    assert snapshot(out) == before and no_staging(tmp_path)


# --- fuzz: hostile numbers in every number column --------------------------------------------------

HOSTILE = [None, 0.0, 1.0, 10.0, 50.0, 100.0, -1.0, -0.0, 1e-300, 5e-324, 1e15, 1e16, -1e16, 1e300,
           math.inf, -math.inf, math.nan, 999.99, 1000.0, 1000.5]
row = st.fixed_dictionaries({
    "表单编号": st.sampled_from(["F1", "F2", "F3"]),
    "行类型": st.sampled_from(["资金", "定量", "定性", "合计"]),
    "运算符": st.sampled_from(["≥", "≤", "=", ">", "<", None]),
    "年度指标值": st.sampled_from(HOSTILE),
    "实际完成值": st.sampled_from(HOSTILE),
    "评价等级": st.sampled_from(["达成年度指标", "部分达成年度指标并具有一定效果", None]),
    "分值": st.sampled_from(HOSTILE),
    "得分": st.sampled_from(HOSTILE),
    "全年预算数": st.sampled_from(HOSTILE),
    "全年执行数": st.sampled_from(HOSTILE),
    "偏差原因": st.sampled_from([None, "有"]),
})
SCHEMA = {"表单编号": pl.String, "行号": pl.Int64, "行类型": pl.String, "运算符": pl.String, "年度指标值": pl.Float64,
          "实际完成值": pl.Float64, "评价等级": pl.String, "分值": pl.Float64, "得分": pl.Float64,
          "全年预算数": pl.Float64, "全年执行数": pl.Float64, "偏差原因": pl.String}


def should_refuse(frame: pl.DataFrame) -> bool:
    """The reader's rule, restated: negative where it cannot be, infinite, or beyond the bounds."""
    for name, dtype in SCHEMA.items():
        if dtype != pl.Float64:
            continue
        for v in frame[name].to_list():
            if v is None or math.isnan(v):
                continue
            if math.isinf(v) or abs(v) > LIMITS.get(name, LIMIT) or (name in NON_NEGATIVE and v < 0):
                return True
    return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=12))
def test_fuzz_hostile_numbers_are_refused_or_every_engine_agrees(rows):
    frame = pl.DataFrame([dict(r, 行号=i + 1) for i, r in enumerate(rows)], schema=SCHEMA)
    try:
        normalise(frame.lazy(), dict(frame.schema), "fuzz")
    except InvalidInput as exc:
        assert should_refuse(frame), exc
        assert {p.code for p in exc.problems} == {"E-IN-BATCH-VALUE"}
        return
    assert not should_refuse(frame)
    lines, forms = assert_engines_agree(NATIONAL, frame)
    for column in ("重算得分", "差额"):
        assert all(v is None or math.isfinite(v) for v in lines[column].to_list())
    assert all(math.isfinite(v) for v in forms["重算总分"].to_list())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(row, min_size=0, max_size=6), st.sampled_from([".csv", ".parquet"]))
def test_fuzz_cli_exits_cleanly(tmp_path: Path, rows, suffix):
    frame = pl.DataFrame([dict(r, 行号=i + 1) for i, r in enumerate(rows)], schema=SCHEMA)
    path = tmp_path / f"t{suffix}"
    frame.write_csv(path) if suffix == ".csv" else frame.write_parquet(path)
    out = tmp_path / "out"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    result = runner.invoke(app, ["batch", "score", str(path), "-o", str(out)])
    assert result.exit_code in (0, 2, 3), result.output
    assert isinstance(result.exception, (SystemExit, type(None))), repr(result.exception)
    assert "Traceback" not in result.output
    assert out.exists() == (result.exit_code == 0)
    assert no_staging(tmp_path)


@pytest.mark.parametrize("value", [math.inf, -math.inf, 1e309, 1e300, 1e16])
def test_single_form_refuses_what_the_batch_refuses(value):
    from jixiao.intake.form import BadCell, parse_actual, parse_money, parse_number, parse_target

    for call in (lambda: parse_target(value), lambda: parse_actual(value, "个"), lambda: parse_money(value, "万元", "万元"),
                 lambda: parse_number(value, "得分")):
        with pytest.raises(BadCell):
            call()
    with pytest.raises(BadCell):
        parse_target(-100)
    assert parse_number(1000, "分值") == 1000.0 and parse_money(1e15, "万元", "万元") == 1e15


def test_explain_of_damaged_results_is_a_message_not_a_traceback(tmp_path: Path):
    out = tmp_path / "results"
    assert runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(out)]).exit_code == 0
    (out / "lines.parquet").write_bytes(b"PAR1 truncated")
    result = runner.invoke(app, ["batch", "explain", str(out), "--form", "F1"])
    assert result.exit_code == 2 and "[E-BATCH-RESULTS]" in result.output and "Traceback" not in result.output
    (out / "run.json").write_text("{")
    result = runner.invoke(app, ["batch", "explain", str(out), "--form", "F1"])
    assert result.exit_code == 2 and "[E-BATCH-RESULTS]" in result.output
