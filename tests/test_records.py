"""The shared vocabulary: one Problem with a structured place, one review table, one grade rule."""

from __future__ import annotations

import json
from pathlib import Path

from jixiao.batch.plan import FLAGS
from jixiao.core import expr as E
from jixiao.core.errors import Place, Problem, Where
from jixiao.core.form import EXAMPLE_FRAMEWORK, Form, FormFramework, FundLine, Row, score_form
from jixiao.core.review import BATCH_FLAGS, REVIEW, REVIEW_CODES, TABLE

ROOT = Path(__file__).resolve().parents[1]
FW = FormFramework.model_validate(EXAMPLE_FRAMEWORK)


def test_false_and_zero_are_different_constants_everywhere_in_a_tree():
    assert E.Const(False) != E.Const(0.0) and E.Const(True) != E.Const(1.0)
    assert E.Const(1.0) == E.const(1) and hash(E.Const(1.0)) == hash(E.const(1))
    a = E.Cond(E.Ref("p"), E.Const(False), E.Ref("q"))
    b = E.Cond(E.Ref("p"), E.Const(0.0), E.Ref("q"))
    assert a != b and len({a, b}) == 2


def test_one_review_table_drives_single_form_scoring_and_batch():
    assert FLAGS == BATCH_FLAGS and set(FLAGS) <= set(REVIEW_CODES)
    assert len({c.code for c in TABLE}) == len(TABLE)
    for c in TABLE:
        # Every code the batch cannot raise says why (what its long format lacks).
        assert c.batch or c.why, c.code
    assert REVIEW["WEIGHT_DEFAULT"].severity == "warning" and "WEIGHT_DEFAULT" not in REVIEW_CODES
    doc = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    for c in TABLE:
        assert f"`{c.code}`" in doc, f"{c.code} is not documented in docs/records.md"


def test_a_finding_is_a_problem_with_severity_and_the_line_it_concerns():
    form = Form(project="p", funds=[FundLine("年度资金总额", budget=100.0, spent=100.0)], rows=[
        Row(kind="定量", level1="产出指标", level3="培训人数", op="≥", target=50.0, actual=40.0, unit="人",
            points=90.0, stated=70.0, where="f.yaml:9")], stated_total=80.0)
    r = score_form(FW, form)
    diff = next(f for f in r.findings if f.code == "SCORE_DIFF")
    assert isinstance(diff, Problem) and diff.severity == "review" and diff.review
    assert diff.place == Place(file="f.yaml", line=9, indicator="培训人数")
    assert str(diff).startswith("f.yaml:9 培训人数：表列得分 70")


def test_reason_missing_on_a_row_that_could_not_be_scored_states_no_score():
    form = Form(project="p", funds=[FundLine("年度资金总额", budget=100.0, spent=100.0)], rows=[
        Row(kind="定性", level1="效益指标", level3="服务质量提升", grade="达成年度指标", points=90.0, stated=20.0)])
    r = score_form(FW, form)
    assert r.lines[1].score is None and r.lines[1].code == "QUAL_OUT_OF_BAND"
    missing = next(f for f in r.findings if f.code == "REASON_MISSING")
    assert "得 0" not in missing.message and "无法重算" in missing.message and "20" in missing.message


def test_places_keep_their_parts_through_intake():
    from jixiao.intake.yamlio import load

    doc = load(ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml")
    at = doc.where(("facts", "年初预算数"))
    assert isinstance(at, Where) and at.place.path == ("facts", "年初预算数") and at.place.line
    assert str(at) == f"{at.place.file}:{at.place.line}"
    p = Problem("E-IN-X", "x", at, "财务合规性")
    assert p.place.path == ("facts", "年初预算数") and p.where == str(at) and p.indicator == "财务合规性"


def test_form_json_carries_intake_warnings(tmp_path):
    from typer.testing import CliRunner

    from jixiao.cli import app

    text = (ROOT / "examples" / "chizhou-2022" / "form.yaml").read_text(encoding="utf-8")
    # A 年度指标值 without an operator is read as ≥, with a warning (W-IN-FORM-OP).
    form = tmp_path / "form.yaml"
    form.write_text(text.replace("年度指标值: ≥50个", "年度指标值: 50个"), encoding="utf-8")
    out = CliRunner().invoke(app, ["score", str(form), "--format", "json"])
    doc = json.loads(out.stdout)
    op = [w for w in doc["warnings"] if w["code"] == "W-IN-FORM-OP"]
    assert op and op[0]["severity"] == "warning" and op[0]["place"]["path"][0] == "绩效指标"
    for f in doc["findings"]:
        assert f["severity"] in ("review", "warning") and "place" in f


def test_a_form_line_is_the_one_indicator_record():
    from jixiao.core.evaluation import IndicatorResult

    form = Form(project="p", funds=[FundLine("年度资金总额", budget=100.0, spent=95.0)], rows=[
        Row(kind="定量", level1="产出指标", level2="数量指标", level3="培训人数", op="≥", target=50.0, actual=40.0,
            unit="人", points=90.0, reason="部分学员延期")])
    r = score_form(FW, form)
    funds, row = r.lines
    assert isinstance(funds, IndicatorResult) and isinstance(row, IndicatorResult)
    assert (funds.id, funds.level, funds.parent, funds.weight) == ("预算执行率", 1, "", 10.0)
    assert (row.id, row.level, row.parent, row.weight, row.status) == ("产出指标.数量指标.培训人数", 3, "产出指标.数量指标", 90.0, "scored")
    assert row.facts["年度指标值"] == 50.0 and row.facts["实际完成值"] == 40.0 and row.reason == row.code == "BELOW"
    assert row.steps and sum(s.won for s in row.steps) == row.score == 72.0
    line = r.to_json()["lines"][1]
    assert line["steps"][0]["lost"] == 18.0 and line["facts"]["运算符"] == "≥" and line["id"] == row.id
