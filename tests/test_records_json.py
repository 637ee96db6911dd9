"""Case and Evaluation are immutable records that round-trip through JSON, and their schema is published.

* ``from_json(to_json(x)) == x`` for the shipped examples and for hypothesis-generated cases (with
  random intake warnings), and for the evaluations scored from them;
* the JSON carries subject, year, edition id and hash, every warning (intake's too), and every
  indicator's steps (available / won / lost and the text) and the facts it read;
* the schemas in docs/schema/ are exactly what the models generate, and ``jixiao score CASE
  --format json`` validates against them for every example, warnings included.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import FEWER, FW, cases
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.core.errors import Place, Problem
from jixiao.core.evaluation import SCHEMA_VERSION, Evaluation
from jixiao.core.facts import Case
from jixiao.core.records import schemas
from jixiao.intake.case import load_case

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("case.*") if p.suffix in (".yaml", ".json", ".xlsx"))
PUBLISHED = {p.name.removesuffix(".schema.json"): json.loads(p.read_text(encoding="utf-8"))
             for p in (ROOT / "docs" / "schema").glob("*.schema.json")}


def round_trips(x) -> None:
    data = x.to_json()
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    assert type(x).from_json(json.loads(text)) == x
    assert type(x).from_json(text) == x


def test_there_are_examples_to_check():
    assert {p.suffix for p in EXAMPLES} == {".yaml", ".json", ".xlsx"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_examples_round_trip(path):
    case, fw = load_case(path)
    round_trips(case)
    e = evaluate(fw, case)
    round_trips(e)
    data = e.to_json()
    assert (data["subject"], data["year"], data["framework"], data["edition"], data["edition_hash"]) == (
        case.subject, case.year, fw.id, fw.edition, fw.fingerprint())
    assert data["schema_version"] == SCHEMA_VERSION
    for row, r in zip(data["indicators"], e.results):
        if r.level == 3 and r.status == "scored":
            assert row["steps"] and sum(s["won"] for s in row["steps"]) == pytest.approx(r.score)
            for s in row["steps"]:
                assert s["lost"] == pytest.approx(max(0.0, s["available"] - s["won"])) and s["text"]
            assert row["facts"], r.id  # every scored leaf read some fact


places = st.builds(Place, file=st.sampled_from(["", "case.yaml", "表.xlsx"]), line=st.one_of(st.none(), st.integers(1, 999)),
                   sheet=st.sampled_from(["", "基本情况"]), cell=st.sampled_from(["", "C4"]),
                   path=st.lists(st.one_of(st.sampled_from(["facts", "一季度预算执行率", "lists"]), st.integers(0, 5)),
                                 max_size=3).map(tuple),
                   indicator=st.sampled_from(["", "预算执行率"]), text=st.sampled_from(["", "第 3 行"]))
problems = st.builds(lambda code, msg, place: Problem(code, msg, place),
                     st.sampled_from(["W-IN-PACE-HIGH", "E-IN-NEGATIVE", "TOTAL_DIFF", "WEIGHT_DEFAULT"]),
                     st.text(max_size=20), places)


@FEWER
@given(cases(), st.lists(problems, max_size=3), st.dictionaries(st.sampled_from(["概况", "问题"]), st.text(max_size=10)))
def test_generated_cases_and_their_evaluations_round_trip(case, warnings, narrative):
    case = dataclasses.replace(case, warnings=tuple(warnings), narrative=narrative, source="随机.yaml")
    round_trips(case)
    e = evaluate(FW, case)
    assert e.warnings == case.warnings
    round_trips(e)


def test_records_are_immutable():
    case, fw = load_case(EXAMPLES[0])
    e = evaluate(fw, case)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.total = 100.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.year = 2021  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.results[0].score = 0.0  # type: ignore[misc]
    assert isinstance(e.results, tuple) and isinstance(e.results[0].steps, tuple)


def test_published_schemas_are_what_the_models_generate():
    # After changing a record: PYTHONPATH=src python tools/write_schemas.py
    assert PUBLISHED == json.loads(json.dumps(schemas(), ensure_ascii=False))


def score_json(path: Path) -> tuple[dict, str]:
    out = CliRunner().invoke(app, ["score", str(path), "--format", "json"])
    assert out.exit_code in (0, 3), out.output
    return json.loads(out.stdout), out.stderr


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_score_json_of_every_example_validates_against_the_published_schema(path):
    data, _ = score_json(path)
    jsonschema.validate(data, PUBLISHED["evaluation"])
    assert Evaluation.from_json(data).to_json() == data


def test_an_out_of_range_quarterly_rate_carries_its_warning_in_the_json(tmp_path):
    text = (ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml").read_text(encoding="utf-8")
    assert "一季度预算执行率: {value: 292.77%" in text
    case = tmp_path / "case.yaml"
    case.write_text(text.replace("一季度预算执行率: {value: 292.77%", "一季度预算执行率: {value: 350%"), encoding="utf-8")
    data, stderr = score_json(case)
    jsonschema.validate(data, PUBLISHED["evaluation"])
    pace = [w for w in data["warnings"] if w["code"] == "W-IN-PACE-HIGH"]
    assert len(pace) == 1 and pace[0]["severity"] == "warning" and "350.00%" in pace[0]["message"]
    assert pace[0]["place"]["file"].endswith("case.yaml") and pace[0]["place"]["line"]
    assert pace[0]["message"] in stderr  # the same warning the table output prints
    assert Problem("W-IN-PACE-HIGH", "x").severity == "warning"


def test_the_case_schema_validates_every_example_case():
    for path in EXAMPLES:
        case, _ = load_case(path)
        jsonschema.validate(case.to_json(), PUBLISHED["case"])
        assert Case.from_json(case.to_json()) == case


def test_list_items_keep_their_kinds_through_json():
    # Intake gives a list item's date as ISO text (2020-12-31), which JSON carries as it is.
    case = Case(subject="单位", year=2020, framework=FW.id, lists={"清单": [
        {"名称": "甲", "日期": "2020-12-31", "按时完成": True, "金额": 1.5, "个数": 3, "备注": None}]})
    back = Case.from_json(json.dumps(case.to_json(), ensure_ascii=False))
    assert back == case and back.lists["清单"][0]["日期"] == "2020-12-31"
    assert back.lists["清单"][0]["按时完成"] is True and back.lists["清单"][0]["个数"] == 3
