"""功能分类 and 行业 on the target forms: optional header fields of both target editions, read from
YAML and from the XLSX template, bounded, and a 功能分类 code of a shape other than 3, 5 or 7 digits
refused in Chinese with its place and the fix."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.cycle.classify import parse_function_class, shared_level, title_similarity
from jixiao.core.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "chizhou-2022" / "target.yaml"
DEPT = ROOT / "examples" / "shenzhen-sibao-2020" / "target.yaml"


def _doc(path: Path) -> dict:
    from jixiao.intake.yamlio import load
    from jixiao.store import scoring

    return scoring.plain(load(path).data)


def _write_yaml(tmp_path: Path, doc: dict, name: str = "t.yaml") -> Path:
    from ruamel.yaml import YAML

    p = tmp_path / name
    y = YAML(typ="safe", pure=True)
    y.allow_unicode = True
    with p.open("w", encoding="utf-8") as f:
        y.dump(doc, f)
    return p


@pytest.mark.parametrize("text, code, name", [
    ("208", "208", ""), ("20801", "20801", ""), ("2080109", "2080109", ""),
    ("2080109 社会保险经办机构", "2080109", "社会保险经办机构"), ("2080109社会保险经办机构", "2080109", "社会保险经办机构"),
    ("2080109-社会保险经办机构", "2080109", "社会保险经办机构"), ("  社会保险经办机构 ", "", "社会保险经办机构"),
])
def test_a_function_class_is_a_code_of_three_five_or_seven_digits_and_or_its_name(text, code, name):
    fc = parse_function_class(text)
    assert (fc.code, fc.name) == (code, name)


@pytest.mark.parametrize("text, says", [
    ("20", "2 位"), ("2080", "4 位"), ("208011", "6 位"), ("20801091", "8 位"), ("20801-09", "编码后还有数字"),
    ("2" * 81, "过长"),
])
def test_other_shapes_are_refused_with_the_fix(text, says):
    with pytest.raises(ValueError, match=says) as exc:
        parse_function_class(text)
    assert "2080109 社会保险经办机构" in str(exc.value)  # the message shows the shape that is accepted


def test_similarity_levels():
    assert [shared_level("2080109", b) for b in ("2080109", "2080101", "20801", "2089999", "208", "210")] == [7, 5, 5, 3, 3, 0]
    assert title_similarity("委托业务项目", "委托业务项目") == 1.0 and title_similarity("委托业务", "森林防火") == 0.0


def test_both_target_editions_declare_the_optional_fields():
    from jixiao.intake.cycle import load_edition

    for ref in ("national-target-project/2015", "national-target-dept/2015"):
        ed = load_edition(ref, "target")
        assert ed.optional_header == ["功能分类", "行业"] and "功能分类" not in ed.header
        assert len(ed.offered["行业"]) == 20 and "卫生和社会工作" in ed.offered["行业"]


@pytest.mark.parametrize("path", [PROJECT, DEPT])
def test_the_examples_carry_them_and_are_read(path):
    from jixiao.intake.target import read_target

    form, _, _, _ = read_target(path)
    assert form.header["功能分类"][:5].isdigit() and form.header["行业"] == "公共管理、社会保障和社会组织"


def test_without_them_a_form_is_as_before(tmp_path):
    from jixiao.core.cycle.target import review
    from jixiao.intake.target import read_target

    doc = _doc(PROJECT)
    del doc["功能分类"], doc["行业"]
    form, ed, _, _ = read_target(_write_yaml(tmp_path, doc))
    assert "功能分类" not in form.header and "行业" not in form.header
    assert not any(f.code == "T_HEADER_MISSING" for f in review(ed, form).findings)  # never required


@pytest.mark.parametrize("field, value, says", [
    ("功能分类", "208011 社会保险", "6 位"), ("功能分类", 2080, "4 位"), ("功能分类", ["208"], "一行文字"),
    ("行业", "行" * 41, "行业过长"),
])
def test_a_bad_value_in_yaml_is_refused_at_its_line(tmp_path, field, value, says):
    from jixiao.intake.target import read_target

    doc = copy.deepcopy(_doc(PROJECT))
    doc[field] = value
    with pytest.raises(InvalidInput) as exc:
        read_target(_write_yaml(tmp_path, doc))
    p = next(p for p in exc.value.problems if p.code == "E-IN-VALUE")
    assert says in p.message and ":" in p.where and p.where.split(":")[-1].isdigit()


def test_the_template_has_the_fields_and_a_bad_code_in_it_names_its_cell(tmp_path):
    import openpyxl

    from jixiao.intake.cycle import load_edition
    from jixiao.intake.target_xlsx import write_workbook

    r = CliRunner().invoke(app, ["template", "--framework", "national-target-dept/2015", "-o", str(tmp_path / "d.xlsx")])
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(tmp_path / "d.xlsx").worksheets[0]
    labels = {ws.cell(i, 1).value: i for i in range(1, 12)}
    assert {"部门名称", "功能分类", "行业"} <= set(labels)
    lists = [dv for dv in ws.data_validations.dataValidation if f"B{labels['行业']}" in str(dv.sqref)]
    assert lists and "卫生和社会工作" in lists[0].formula1 and not lists[0].showErrorMessage  # offered, not enforced

    doc = _doc(PROJECT)
    doc["功能分类"] = "2080"
    write_workbook(doc, tmp_path / "bad.xlsx", load_edition("national-target-project/2015", "target"))
    row = {c.value: c.row for c in openpyxl.load_workbook(tmp_path / "bad.xlsx").worksheets[0]["A"]}["功能分类"]
    r = CliRunner().invoke(app, ["score", str(tmp_path / "bad.xlsx")])
    assert r.exit_code == 2 and f"!B{row}" in r.output and "4 位" in r.output and "Traceback" not in r.output
    doc["功能分类"], doc["行业"] = "2080109 社会保险经办机构", "卫生和社会工作"
    write_workbook(doc, tmp_path / "ok.xlsx", load_edition("national-target-project/2015", "target"))
    r = CliRunner().invoke(app, ["score", str(tmp_path / "ok.xlsx")])
    assert r.exit_code in (0, 1), r.output  # scored: findings are not an input error
