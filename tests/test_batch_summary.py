"""The review list finds every planted mistake and flags no correct form; the single-form scorer
agrees with the batch on every synthetic form; and the ``jixiao batch`` commands work end to end,
refusing bad arguments in Chinese with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jixiao.batch import polars_engine
from jixiao.batch.io import normalise
from jixiao.batch.plan import FLAGS, plan_for
from jixiao.batch.scalar import form_of
from jixiao.batch.summary import summarise
from jixiao.batch.synth import EXPECTED, synth
from jixiao.cli import app
from jixiao.core.form import score_form
from jixiao.intake.form import load_form_framework

FW = load_form_framework("national-project/2020")
PLAN = plan_for(FW)
runner = CliRunner()


def flags_by_form(frame: pl.DataFrame) -> tuple[dict, dict]:
    _, forms = polars_engine.run(PLAN, normalise(frame.lazy(), dict(frame.schema), "t").frame)
    seeded = dict(frame.filter(pl.col("行类型") == "合计").select("表单编号", "seeded").iter_rows())
    raised = {r["表单编号"]: {f for f in FLAGS if r[f]} for r in forms.iter_rows(named=True)}
    return seeded, raised


def assert_review_is_exactly_the_planted(frame: pl.DataFrame) -> None:
    seeded, raised = flags_by_form(frame)
    wrong = {k: (seeded[k], sorted(raised[k])) for k in seeded if raised[k] != EXPECTED.get(seeded[k], set())}
    assert not wrong, list(wrong.items())[:10]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**31), st.floats(0.05, 0.9))
def test_every_planted_mistake_is_found_and_no_correct_form_is_flagged(seed, share):
    assert_review_is_exactly_the_planted(synth(300, seed, share))


def test_review_list_of_twenty_thousand_forms():
    frame = synth(20_000, 2026, 0.1)
    assert_review_is_exactly_the_planted(frame)
    _, forms = polars_engine.run(PLAN, normalise(frame.lazy(), dict(frame.schema), "t").frame)
    s = summarise(forms)
    planted = set(frame.filter(pl.col("seeded").is_not_null())["表单编号"])
    assert set(s.review["表单编号"]) == planted
    assert sum(n for _, n in s.grades) == 20_000
    assert {code for code, _ in s.reasons} == set().union(*EXPECTED.values())


def test_the_single_form_scorer_agrees_with_the_batch():
    frame = synth(400, 77, 0.5)
    _, forms = polars_engine.run(PLAN, normalise(frame.lazy(), dict(frame.schema), "t").frame)
    batch = {r["表单编号"]: r for r in forms.iter_rows(named=True)}
    normalised = normalise(frame.lazy(), dict(frame.schema), "t").frame.collect()
    for key, rows in normalised.group_by("表单编号"):
        r = score_form(FW, form_of(rows.to_dicts()))
        b = batch[key[0]]
        assert (r.total, r.status, r.grade or None) == (b["重算总分"], b["状态"], b["等级"]), key
        assert {f.code for f in r.review} == {f for f in FLAGS if b[f]}, key


def test_synth_score_summary_explain_end_to_end(tmp_path: Path):
    forms = tmp_path / "forms.parquet"
    made = runner.invoke(app, ["batch", "synth", "--forms", "2000", "--seed", "9", "-o", str(forms)])
    assert made.exit_code == 0 and "已生成 2,000 份" in made.output and "植入错误" in made.output
    out = tmp_path / "out"
    scored = runner.invoke(app, ["batch", "score", str(forms), "-o", str(out)])
    assert scored.exit_code == 0, scored.output
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert meta["framework"] == "national-project/2020" and meta["forms"] == 2000 and meta["engine"] == "polars"
    summary = runner.invoke(app, ["batch", "summary", str(out), "--top", "3", "--review-out", str(tmp_path / "r.csv")])
    assert summary.exit_code == 0, summary.output
    for text in ("等级分布", "按地区", "按主管部门", "需复核的原因", "表列总分与重算不符"):
        assert text in summary.output
    review = pl.read_csv(tmp_path / "r.csv")
    assert review.height == meta["review"] and review["需复核"].all()
    key = review["表单编号"][0]
    explained = runner.invoke(app, ["batch", "explain", str(out), "--form", key])
    assert explained.exit_code == 0, explained.output
    assert "各行原因代码与批量结果一致" in explained.output and "预算执行率" in explained.output


def test_every_engine_writes_the_same_results_from_the_command_line(tmp_path: Path):
    forms = tmp_path / "forms.csv"
    assert runner.invoke(app, ["batch", "synth", "-n", "300", "-s", "4", "-o", str(forms)]).exit_code == 0
    frames = {}
    for engine in ("polars", "duckdb", "scalar"):
        out = tmp_path / engine
        result = runner.invoke(app, ["batch", "score", str(forms), "-o", str(out), "-e", engine])
        assert result.exit_code == 0, result.output
        frames[engine] = pl.read_parquet(out / "forms.parquet").sort("表单编号").with_columns(
            pl.col(c).cast(pl.String) for c in ("状态",))
    assert frames["polars"].equals(frames["scalar"]) and frames["duckdb"].equals(frames["scalar"])


@pytest.mark.parametrize("args,code", [
    (["batch", "score", "nope.parquet", "-o", "x"], "E-IN-FILE"),
    (["batch", "score", "{forms}", "-o", "{out}", "--engine", "pandas"], "E-BATCH-ARG"),
    # One edition loader for every kind: an unknown edition is E-IN-FRAMEWORK, as for a department case.
    (["batch", "score", "{forms}", "-o", "{out}", "--framework", "nowhere/2020"], "E-IN-FRAMEWORK"),
    (["batch", "synth", "-n", "10", "-o", "{tmp}/x.txt"], "E-BATCH-ARG"),
    (["batch", "summary", "{tmp}/none"], "E-BATCH-RESULTS"),
    (["batch", "explain", "{tmp}/none", "--form", "F1"], "E-BATCH-RESULTS"),
])
def test_bad_arguments_are_refused_in_chinese(tmp_path: Path, args, code):
    forms = tmp_path / "forms.parquet"
    synth(5, 1, 0.0).write_parquet(forms)
    argv = [a.format(forms=forms, out=tmp_path / "out", tmp=tmp_path) for a in args]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert code in result.output and "错误" in result.output
    assert "Traceback" not in result.output
