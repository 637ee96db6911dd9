"""A project form's result is a record like an evaluation, and every finding is a Problem.

* ``FormResult.from_json(r.to_json()) == r`` for the shipped example forms (YAML and the printed
  workbook, under both shipped form editions) and for hypothesis-generated forms with random
  intake warnings; the JSON carries the form as read, so nothing is lost;
* ``jixiao score FORM --format json`` validates against the published schema
  (docs/schema/form-result.schema.json, generated from the record) and is exactly the record;
* the cycle's findings (target, monitoring, 事前评估) are Problems with the one JSON shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import FEWER
from test_records_json import PUBLISHED, problems, round_trips
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.errors import Problem
from jixiao.core.form import FORM_SCHEMA_VERSION, Form, FormResult, FundLine, Row, score_form
from jixiao.intake.editions import load_edition
from jixiao.services.scoring import score_file

ROOT = Path(__file__).resolve().parents[1]
FORMS = [ROOT / "examples" / "chizhou-2022" / "form.yaml", ROOT / "examples" / "chizhou-2022" / "form.xlsx"]
NATIONAL = load_edition("national-project/2020").framework
SICHUAN = load_edition("sichuan-project/2023").framework


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
@pytest.mark.parametrize("edition", [None, "sichuan-project/2023"])
def test_example_forms_round_trip(path: Path, edition: str | None):
    r = score_file(path, edition).result
    assert isinstance(r, FormResult)
    round_trips(r)
    data = r.to_json()
    assert (data["kind"], data["schema_version"], data["framework"], data["edition_hash"]) == (
        "project-form", FORM_SCHEMA_VERSION, r.framework, r.edition_hash)
    assert data["form"]["rows"] and data["form"]["funds"]  # the form as read travels with its result
    for line in data["lines"]:
        if line["status"] == "scored":
            assert sum(s["won"] for s in line["steps"]) == pytest.approx(line["score"])


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_score_json_of_a_form_validates_against_the_published_schema(path: Path):
    out = CliRunner().invoke(app, ["score", str(path), "--format", "json"])
    assert out.exit_code in (0, 3), out.output
    data = json.loads(out.stdout)
    jsonschema.validate(data, PUBLISHED["form-result"])
    assert FormResult.from_json(data).to_json() == data
    assert data == json.loads(json.dumps(score_file(path).result.to_json(), ensure_ascii=False))


def test_a_forms_warning_is_in_its_json_and_round_trips(tmp_path: Path):
    text = FORMS[0].read_text(encoding="utf-8")
    path = tmp_path / "form.yaml"
    path.write_text(text.replace("年度指标值: ≥50个", "年度指标值: 50个"), encoding="utf-8")
    out = CliRunner().invoke(app, ["score", str(path), "--format", "json"])
    data = json.loads(out.stdout)
    jsonschema.validate(data, PUBLISHED["form-result"])
    op = [w for w in data["warnings"] if w["code"] == "W-IN-FORM-OP"]
    assert len(op) == 1 and op[0]["place"]["line"] and op[0]["severity"] == "warning"
    assert [w.code for w in FormResult.from_json(data).warnings] == ["W-IN-FORM-OP"]


amount = st.one_of(st.none(), st.integers(0, 10_000_000).map(lambda c: c / 100))
points = st.one_of(st.none(), st.sampled_from([0.0, 5.0, 8.0, 10.0, 12.5, 20.0]))
quant = st.builds(
    Row, kind=st.just("定量"), level1=st.sampled_from(["产出指标", "效益指标", "满意度指标"]),
    level2=st.sampled_from(["数量指标", "质量指标", "社会效益指标", "服务对象满意度指标"]),
    level3=st.text(alphabet="甲乙丙丁培训人数", min_size=1, max_size=6), op=st.sampled_from(["≥", "≤", "=", None]),
    target=st.one_of(st.none(), st.integers(0, 1000).map(float)), unit=st.sampled_from(["个", "%", "万元", ""]),
    actual=st.one_of(st.none(), st.integers(0, 2000).map(float)), points=points, stated=points,
    reason=st.sampled_from(["", "延期"]), where=st.sampled_from(["", "form.yaml:30", "自评表!E12"]))
qual = st.builds(
    Row, kind=st.just("定性"), level1=st.sampled_from(["产出指标", "效益指标"]), level2=st.just("质量指标"),
    level3=st.text(alphabet="服务质量提升", min_size=1, max_size=6),
    grade=st.one_of(st.none(), st.sampled_from(["达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差"])),
    points=points, stated=points)
forms = st.builds(
    Form, project=st.text(max_size=8), year=st.one_of(st.none(), st.integers(2000, 2030)),
    funds=st.lists(st.builds(FundLine, name=st.sampled_from(["年度资金总额", "财政拨款"]), initial=amount, budget=amount,
                             spent=amount, points=points, stated=points, reason=st.sampled_from(["", "采购延迟"])),
                   max_size=3),
    rows=st.lists(st.one_of(quant, qual), max_size=6), stated_total=st.one_of(st.none(), st.integers(0, 100).map(float)),
    source=st.just("随机.yaml"))


@FEWER
@given(forms, st.lists(problems, max_size=3), st.sampled_from([NATIONAL, SICHUAN]))
def test_generated_forms_and_their_results_round_trip(form, warnings, fw):
    r = score_form(fw, form, warnings=warnings)
    assert r.warnings == warnings
    round_trips(r)
    jsonschema.validate(r.to_json(), PUBLISHED["form-result"])


@pytest.mark.parametrize("name", ["chizhou-2022/target.yaml", "shenzhen-sibao-2020/target.xlsx",
                                  "chizhou-2022/monitoring.yaml", "chizhou-2022/preassessment.yaml"])
def test_the_cycles_findings_are_problems(name: str):
    import jixiao.core.cycle.common as common

    assert not hasattr(common, "Finding")  # one record for every finding
    r = score_file(ROOT / "examples" / name).result
    for f, data in zip(r.findings, r.to_json()["findings"], strict=True):
        assert isinstance(f, Problem) and f.severity in ("review", "warning")
        assert data == f.to_json()
        jsonschema.validate(data, PUBLISHED["problem"])
        assert Problem.from_json(data) == f


def test_a_target_checks_word_for_severity_becomes_the_problems():
    from jixiao.core.cycle.common import LABEL

    r = score_file(ROOT / "examples" / "chizhou-2022" / "target.yaml").result
    by_code = {f.code: f for f in r.findings}
    low, vague = by_code["T_TARGET_LOW"], by_code["T_NOT_QUANTIFIED"]
    assert (vague.category, vague.check, vague.severity, LABEL[vague.severity]) == ("完整性", "完整性.指标值明确", "review", "须修改")
    assert low.category == "适当性" and low.check and low.indicator == "基建工程委托业务项目数量"
    assert str(vague).startswith(f"{vague.where} 【完整性】单项业务成本：")
