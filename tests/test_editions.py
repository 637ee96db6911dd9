"""Editions: one loader and registry for every kind; the file's ``kind:`` decides, never its name;
overlays (``extends`` + ``overrides``, ``~`` removes) for department frameworks too;
``check-framework`` and ``test-framework`` for any edition, shipped or not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.edition import DEPARTMENT, PROJECT_FORM
from jixiao.core.errors import InvalidInput
from jixiao.frameworks import HERE
from jixiao.intake.editions import KINDS, REGISTRY, edition, fingerprint, load_edition, shipped_ids
from jixiao.intake.framework import load_framework
from jixiao.intake.yamlio import Located
from jixiao.services import bind, run_tests, score

runner = CliRunner()
SHENZHEN = HERE / "shenzhen-dept" / "2020"
NATIONAL = HERE / "national-project" / "2020"


def test_the_registry_knows_every_shipped_edition_by_id_and_by_hash():
    ids = shipped_ids()
    assert {"shenzhen-dept/2020", "national-project/2020", "sichuan-project/2023"} <= set(ids)
    kinds = {e.id: e.kind for e in REGISTRY.shipped()}
    assert kinds["shenzhen-dept/2020"] == DEPARTMENT and kinds["sichuan-project/2023"] == PROJECT_FORM
    for ed in REGISTRY.shipped():
        assert ed.shipped and REGISTRY.by_hash(ed.hash) is ed and edition(ed.hash) is ed
        assert ed.hash == fingerprint(ed.framework) and ed.tests is not None
    assert load_edition("shenzhen-dept/2020").layout_source.endswith("workbook.yaml")


def test_the_kind_decides_not_the_file_name(tmp_path: Path):
    form_named_framework = tmp_path / "a" / "framework.yaml"
    form_named_framework.parent.mkdir()
    shutil.copy(NATIONAL / "form.yaml", form_named_framework)
    dept_named_form = tmp_path / "b" / "form.yaml"
    dept_named_form.parent.mkdir()
    shutil.copy(SHENZHEN / "framework.yaml", dept_named_form)
    assert load_edition(form_named_framework).kind == PROJECT_FORM
    assert load_edition(dept_named_form).kind == DEPARTMENT
    assert load_edition(dept_named_form.parent).kind == DEPARTMENT  # an edition folder
    anything = tmp_path / "项目表.yaml"
    shutil.copy(NATIONAL / "form.yaml", anything)
    result = runner.invoke(app, ["check-framework", str(anything)])
    assert result.exit_code == 0, result.output
    assert "通过：项目支出绩效自评表" in result.stdout and "种类：项目支出绩效自评表" in result.stdout


def test_an_unknown_kind_is_refused_at_its_line(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text("id: x\nname: x\nkind: monitoringg\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_edition(path)
    p = info.value.problems[0]
    assert p.code == "E-FW-KIND" and p.where == f"{path}:3" and "project-form" in p.message


def test_a_department_overlay_changes_and_removes_what_it_says(tmp_path: Path):
    path = tmp_path / "province.yaml"
    path.write_text(
        f"id: province-dept/2021\nextends: {SHENZHEN / 'framework.yaml'}\nname: 某省部门整体指标体系\nedition: '2021'\n"
        "overrides:\n  notes: ~\n  grades:\n    by_name:\n      - {grade: 优, at_least: 95}\n      - {grade: 中, remove: true}\n",
        encoding="utf-8")
    base, ed = load_edition("shenzhen-dept/2020"), load_edition(path)
    fw = ed.framework
    assert ed.kind == DEPARTMENT and ed.extends and not ed.shipped and ed.id == "province-dept/2021"
    assert base.framework.notes and fw.notes == ""
    assert [(g.grade, g.at_least) for g in fw.grades] == [("优", 95), ("良", 80), ("差", 0)]
    assert fw.grade(92) == "良" and base.framework.grade(92) == "优" and fw.grade(70) == "差"
    assert len(fw.leaves()) == len(base.framework.leaves()) and ed.hash != base.hash
    assert ed.layout_source == base.layout_source and ed.tests_source == base.tests_source  # inherited
    assert REGISTRY.get("province-dept/2021") is ed and REGISTRY.by_hash(ed.hash) is ed
    assert all(o.passed for o in run_tests(ed))


def test_an_overlay_of_another_kind_is_refused(tmp_path: Path):
    path = tmp_path / "o.yaml"
    path.write_text("id: o\nkind: department\nextends: national-project/2020\nname: x\nedition: '1'\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_edition(path)
    assert info.value.problems[0].code == "E-FW-KIND" and info.value.problems[0].where == f"{path}:2"


def test_a_form_edition_given_where_a_department_one_is_needed_says_what_it_is():
    with pytest.raises(InvalidInput) as info:
        load_framework("national-project/2020")
    p = info.value.problems[0]
    assert p.code == "E-IN-KIND" and "项目支出绩效自评表" in p.message and "不是随附" not in p.message


@pytest.mark.parametrize("command", [
    ["template", "-o", "{tmp}/t.xlsx", "-f", "national-project/2020"],
    ["report", "examples/chizhou-2022/form.yaml", "-o", "{tmp}/r", "--format", "md"],
    ["convert", "examples/chizhou-2022/form.yaml", "{tmp}/c.json"],
    ["convert", "examples/shenzhen-sibao-2020/case.yaml", "{tmp}/c.json", "-f", "national-project/2020"],
])
def test_commands_that_cannot_handle_project_forms_refuse_them_truly(command, tmp_path: Path):
    root = Path(__file__).parent.parent
    argv = [a.format(tmp=tmp_path).replace("examples/", f"{root}/examples/") for a in command]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert "[E-IN-KIND]" in result.output and "项目支出绩效自评表" in result.output
    assert "不是随附" not in result.output and "Traceback" not in result.output


def test_score_takes_the_kind_from_the_edition_not_from_the_content():
    root = Path(__file__).parent.parent
    form = root / "examples" / "chizhou-2022" / "form.yaml"
    result = runner.invoke(app, ["score", str(form), "--framework", "shenzhen-dept/2020"])
    assert result.exit_code == 2 and "[E-IN-UNKNOWN-KEY]" in result.output  # read as a department case


def test_bind_is_pure_and_returns_problems_instead_of_raising():
    ed = load_edition("shenzhen-dept/2020")
    case, problems = bind(Located({"subject": "甲", "year": 2020, "facts": {"不存在": 1}}, {}, "mem"), ed)
    assert case is None and "E-IN-UNKNOWN-FACT" in {p.code for p in problems}
    suite = ed.tests
    doc = Located({"subject": "甲", "year": 2020, "framework": ed.id, "money_unit": "万元",
                   "facts": dict(suite["base_facts"])}, {}, "mem")
    case, problems = bind(doc, ed)
    assert case is not None and case.framework == ed.id
    e = score(doc, ed)
    assert e.edition_hash == ed.hash and 0 < e.total <= 100


@pytest.mark.parametrize("ref", shipped_ids())
def test_test_framework_passes_every_shipped_edition(ref):
    result = runner.invoke(app, ["test-framework", ref])
    assert result.exit_code == 0, result.output
    assert "未通过 0 个" in result.stdout and "通过  " in result.stdout


def test_test_framework_runs_a_users_folder_and_reports_each_failure(tmp_path: Path):
    folder = tmp_path / "mine"
    shutil.copytree(NATIONAL, folder)
    tests = folder / "tests.yaml"
    text = tests.read_text(encoding="utf-8")
    assert "expect: {total: 100, grade: 优, status: scored, review: []}" in text
    tests.write_text(text.replace("expect: {total: 100, grade: 优, status: scored, review: []}",
                                  "expect: {total: 99, grade: 优, status: scored, review: []}", 1), encoding="utf-8")
    result = runner.invoke(app, ["test-framework", str(folder)])
    assert result.exit_code == 1, result.output
    assert "未通过  全部完成且表列得分无误时得100分、评为优、无需复核" in result.stdout
    assert "总分：应为 99，实际 100" in result.stdout and "未通过 1 个" in result.stdout
    result = runner.invoke(app, ["test-framework", str(folder / "form.yaml")])
    assert result.exit_code == 1


def test_test_framework_without_tests_says_where_to_put_them(tmp_path: Path):
    path = tmp_path / "f.yaml"
    shutil.copy(NATIONAL / "form.yaml", path)
    result = runner.invoke(app, ["test-framework", str(path)])
    assert result.exit_code == 2 and "[E-FW-TESTS]" in result.output and "tests.yaml" in result.output


def test_services_score_a_file_and_draft_its_report_as_bytes():
    from jixiao.services import draft
    from jixiao.services.scoring import score_file

    root = Path(__file__).parent.parent
    scored = score_file(root / "examples" / "shenzhen-sibao-2020" / "case.yaml")
    assert scored.kind == DEPARTMENT and scored.edition.id == "shenzhen-dept/2020"
    assert scored.result.edition_hash == scored.edition.hash
    files = draft(scored, ["md", "html"])
    assert {"report.md", "report.html"} <= set(files)
    assert "绩效评价报告" in files["report.html"].decode("utf-8") or "评价" in files["report.md"].decode("utf-8")
    form = score_file(root / "examples" / "chizhou-2022" / "form.yaml")
    assert form.kind == PROJECT_FORM and form.result.total == 100.0
    with pytest.raises(InvalidInput) as info:
        draft(form, ["md"])
    assert info.value.problems[0].code == "E-IN-KIND"


@pytest.mark.parametrize("ref", shipped_ids())
def test_check_framework_validates_every_kind_of_shipped_edition(ref):
    result = runner.invoke(app, ["check-framework", ref])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("通过：") and f"种类：{KINDS[load_edition(ref).kind].label}" in result.stdout


def test_check_framework_refuses_a_broken_cycle_edition_at_its_line(tmp_path: Path):
    src = Path(__file__).parent.parent / "src" / "jixiao" / "frameworks" / "national-monitoring" / "2019" / "monitoring.yaml"
    path = tmp_path / "预警规则.yaml"  # any name: the kind decides
    path.write_text(src.read_text(encoding="utf-8") + "\nno_such_key: 1\n", encoding="utf-8")
    result = runner.invoke(app, ["check-framework", str(path)])
    assert result.exit_code == 2 and "[E-FW-SCHEMA]" in result.output and f"{path}:" in result.output
