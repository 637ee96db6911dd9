"""The one reader of a file into located data (jixiao.intake.documents.read_document), as cases and
project forms use it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.core.errors import InvalidInput
from jixiao.intake.documents import JsonDoc, read_document
from jixiao.intake.form import read_form
from jixiao.intake.yamlio import load

ROOT = Path(__file__).resolve().parents[1]
FORM = ROOT / "examples" / "chizhou-2022" / "form.yaml"


def _codes(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [p.code for p in exc.value.problems]


def test_a_form_in_json_reads_as_its_yaml_and_places_are_field_paths(tmp_path: Path):
    path = tmp_path / "form.json"
    path.write_text(json.dumps(load(FORM).data, ensure_ascii=False, default=str), encoding="utf-8")
    doc = read_document(path)
    assert isinstance(doc, JsonDoc)
    assert doc.where(("绩效指标", 0, "得分")) == f"{path}:绩效指标[1].得分"
    (jform, _, _), (yform, _, _) = read_form(path), read_form(FORM)
    assert [r.level3 for r in jform.rows] == [r.level3 for r in yform.rows]
    assert jform.stated_total == yform.stated_total


def test_a_form_in_json_gets_the_json_readers_checks(tmp_path: Path):
    """Duplicate keys and NaN were accepted by a plain json.loads; the one reader refuses them."""
    path = tmp_path / "form.json"
    path.write_text('{"项目名称": "甲", "项目名称": "乙"}', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        read_form(path)
    assert _codes(exc) == ["E-IN-JSON"] and "项目名称" in exc.value.problems[0].message
    path.write_text('{"项目名称": "甲", "总分": NaN}', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        read_form(path)
    assert _codes(exc) == ["E-IN-JSON"]


@pytest.mark.parametrize("name, says", [("form.xls", "另存为"), ("form.doc", "请使用 .yaml、.json 或 .xlsx")])
def test_a_form_of_another_format_is_refused_saying_what_to_use(tmp_path: Path, name: str, says: str):
    path = tmp_path / name
    path.write_bytes(b"not a form")
    with pytest.raises(InvalidInput) as exc:
        read_form(path)
    assert _codes(exc) == ["E-IN-FORMAT"] and says in exc.value.problems[0].message


def test_a_workbook_is_refused_where_the_kind_has_no_workbook_reader(tmp_path: Path):
    path = tmp_path / "monitoring.xlsx"
    path.write_bytes(b"PK\x03\x04 a zip")
    with pytest.raises(InvalidInput) as exc:
        read_document(path)
    assert _codes(exc) == ["E-IN-FORMAT"] and "请使用 .yaml 或 .json" in exc.value.problems[0].message


def test_a_case_keeps_its_numbers_as_written(tmp_path: Path):
    from jixiao.intake.case import read_document as read_case_document

    path = tmp_path / "case.json"
    path.write_text('{"facts": {"年初预算数": 21195.10}}', encoding="utf-8")
    assert read_case_document(path).data["facts"]["年初预算数"] == Decimal("21195.10")
    assert read_document(path).data["facts"]["年初预算数"] == 21195.1


# --- the one reader dispatches every kind ------------------------------------------------------------

EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize("name, layout, edition, default", [
    ("shenzhen-sibao-2020/case.xlsx", "WorkbookDoc", "shenzhen-dept/2020", None),
    ("chizhou-2022/form.xlsx", "WorkbookForm", None, "national-project/2020"),
    ("chizhou-2022/target.xlsx", "WorkbookForm", None, None),
    ("chizhou-2022/target.yaml", "Located", None, None),
    ("chizhou-2022/monitoring.yaml", "Located", None, None),
    ("chizhou-2022/monitoring.xlsx", "WorkbookForm", None, None),
    ("chizhou-2022/preassessment.xlsx", "WorkbookForm", None, None),
    ("shenzhen-sibao-2020/case.json", "JsonDoc", None, None),
])
def test_the_one_reader_reads_every_kind_by_format_and_workbook_layout(name, layout, edition, default):
    from jixiao.intake.documents import read_file

    got = read_file(EXAMPLES / name)
    assert type(got.doc).__name__ == layout
    assert (str(got.edition) if got.edition else None, got.default) == (edition, default)
    if name.endswith("target.xlsx"):
        assert "绩效目标申报表" in got.doc.data["表名"]  # its printed heading names its kind


def test_a_target_form_in_json_gets_the_json_readers_checks(tmp_path: Path):
    from jixiao.intake.target import read_target

    path = tmp_path / "target.json"
    path.write_text('{"表名": "项目支出绩效目标申报表", "项目名称": "甲", "项目名称": "乙"}', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        read_target(path)
    assert _codes(exc) == ["E-IN-JSON"] and "项目名称" in exc.value.problems[0].message


def test_a_preassessment_workbook_goes_through_the_workbook_inspection(tmp_path: Path):
    from jixiao.intake.preassess import read_preassessment

    path = tmp_path / "form.xlsx"
    path.write_bytes(b"PK\x03\x04 a zip")
    with pytest.raises(InvalidInput) as exc:
        read_preassessment(path)
    assert _codes(exc) == ["E-IN-NOT-XLSX"] and "已损坏" in exc.value.problems[0].message
    path = tmp_path / "form.json"
    path.write_text('{"项目名称": "甲", "总分": NaN}', encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        read_preassessment(path)
    assert _codes(exc) == ["E-IN-JSON"]
