"""Intake: the seed from YAML, JSON and XLSX alike; round trips; number forms; warnings; templates."""

from __future__ import annotations

import copy
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput
from jixiao.intake.case import bind_case, load_case, read_case
from jixiao.intake.export import case_document, write_case
from jixiao.intake.framework import framework_path, load_framework
from jixiao.intake.layout import layout_for
from jixiao.intake.template import build_workbook
from jixiao.intake.values import BadValue, number
from jixiao.intake.yamlio import Located, load

SEED = Path(__file__).parent.parent / "examples" / "shenzhen-sibao-2020"
runner = CliRunner()


def scores(case_path) -> tuple:
    c, fw = load_case(case_path)
    e = evaluate(fw, c)
    return e.total, tuple((r.id, r.score, r.status) for r in e.results)


def comparable(path) -> dict:
    """A case's content without where each value was written."""
    c, fw = load_case(path)
    return case_document(c, fw)


def test_the_seed_scores_identically_from_yaml_json_and_xlsx():
    want = scores(SEED / "case.yaml")
    assert round(want[0], 2) == 96.77
    assert scores(SEED / "case.json") == want
    assert scores(SEED / "case.xlsx") == want


def test_the_committed_json_and_xlsx_hold_the_seed_facts():
    yaml_doc = comparable(SEED / "case.yaml")
    for other in ("case.json", "case.xlsx"):
        doc = comparable(SEED / other)
        for key in ("subject", "year", "framework", "money_unit", "facts", "stated"):
            assert doc.get(key) == yaml_doc.get(key), (other, key)


@pytest.mark.parametrize("middle", [".xlsx", ".json"])
def test_yaml_round_trips_to_the_same_facts(middle, tmp_path):
    c, fw, fw_file = read_case(SEED / "case.yaml")
    write_case(c, fw, tmp_path / f"case{middle}", fw_file)
    c2, fw2, _ = read_case(tmp_path / f"case{middle}")
    write_case(c2, fw2, tmp_path / "back.yaml", fw_file)
    c3, _ = load_case(tmp_path / "back.yaml")
    for got in (c2, c3):
        assert case_document(got, fw) == case_document(c, fw)
        assert {k: (getattr(v, "value", None), getattr(v, "met", None), v.evidence) for k, v in got.facts.items()} == \
               {k: (getattr(v, "value", None), getattr(v, "met", None), v.evidence) for k, v in c.facts.items()}
        assert got.narrative == c.narrative and got.stated == c.stated and got.lists == c.lists


def test_a_user_framework_with_lists_and_dates_round_trips(tmp_path):
    dated = Path(__file__).parent / "bad_inputs" / "dated"
    c, fw, fw_file = read_case(dated / "case.yaml")
    write_case(c, fw, tmp_path / "case.xlsx", fw_file)
    c2, _ = load_case(tmp_path / "case.xlsx")
    assert c2.lists == c.lists
    assert c.lists["项目清单"][1] == {"名称": "调查取证", "计划完成日期": "2020-06-30", "实际完成日期": "2021-01-15",
                                    "按时完成": False, "金额": 3.5}


@pytest.mark.parametrize("raw,kind,unit,default,want", [
    ("21,195.00", "money", "万元", "万元", "21195.00"),
    ("２１，１９５.００", "money", "万元", "万元", "21195.00"),
    ("21 195", "money", "万元", "万元", "21195"),
    ("2.1195亿元", "money", "万元", "", "21195"),
    ("211,950,000元", "money", "万元", "", "21195"),
    ("¥211950000元", "money", "万元", "", "21195"),
    ("21195万", "money", "万元", "", "21195"),
    (21195, "money", "万元", "万元", "21195"),
    (211950000, "money", "万元", "元", "21195"),
    ("67.25%", "rate", "", "", "0.6725"),
    ("67.25％", "rate", "", "", "0.6725"),
    ("百分之67.25", "rate", "", "", "0.6725"),
    ("0.6725", "rate", "", "", "0.6725"),
    (0.6725, "rate", "", "", "0.6725"),
    ("87人", "count", "人", "", "87"),
])
def test_number_forms(raw, kind, unit, default, want):
    assert number(raw, kind, unit, default) == Decimal(want)


@pytest.mark.parametrize("raw,kind,code", [
    ("abc", "money", "E-IN-NOT-NUMBER"), ("2,1", "money", "E-IN-NOT-NUMBER"), ("12美元", "money", "E-IN-NOT-NUMBER"),
    ("12人", "money", "E-IN-UNIT"), ("67.25", "rate", "E-IN-RATE-FORM"), ("3.5", "count", "E-IN-NOT-NUMBER"),
    (True, "money", "E-IN-NOT-NUMBER"), ("5%", "money", "E-IN-NOT-NUMBER"), ("1e400", "money", "E-IN-RANGE"),
    ("12", "money", "E-IN-UNIT"),
])
def test_number_refusals(raw, kind, code):
    with pytest.raises(BadValue) as info:
        number(raw, kind, "万元", "")
    assert info.value.code == code


_SEED_DATA = load(SEED / "case.yaml", exact=True).data


def seed_data() -> dict:
    return copy.deepcopy(_SEED_DATA)


def bind(data: dict):
    return bind_case(Located(data, {}, "case.yaml"), SEED)


def codes(data: dict) -> list[str]:
    try:
        c, _ = bind(data)
    except InvalidInput as exc:
        return [p.code for p in exc.problems]
    return [w.code for w in c.warnings]


def test_money_unit_per_value_in_yaml():
    data = seed_data()
    data["facts"]["年初预算数"] = {"value": 211950000, "unit": "元", "evidence": "决算报表"}
    c, _ = bind(data)
    assert c.facts["年初预算数"].value == 21195.0


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".xlsx"])
def test_a_case_in_yuan_converts_without_changing_any_amount(suffix, tmp_path):
    """Amounts are held in each fact's declared unit (万元); a case whose money_unit is 元 must
    not have them read back as 元 after jixiao convert."""
    data = seed_data()
    data["money_unit"] = "元"
    fw = load_framework("shenzhen-dept/2020")
    for name, value in data["facts"].items():
        if fw.facts[name].type == "money":
            raw = value["value"] if isinstance(value, dict) else value
            data["facts"][name] = {"value": f"{raw}万元", "evidence": "决算报表"}
    c, fw = bind(data)
    path = tmp_path / f"case{suffix}"
    write_case(c, fw, path, framework_path("shenzhen-dept/2020"))
    back, _ = load_case(path)
    money = {n: f.value for n, f in c.facts.items() if fw.facts[n].type == "money"}
    assert money["年初预算数"] == 21195.0
    assert {n: back.facts[n].value for n in money} == money
    assert case_document(back, fw) == case_document(c, fw)


def test_list_money_keeps_its_unit_through_convert(tmp_path):
    dated = Path(__file__).parent / "bad_inputs" / "dated"
    text = (dated / "case.yaml").read_text(encoding="utf-8").replace("money_unit: 万元", "money_unit: 元")
    (tmp_path / "case.yaml").write_text(text, encoding="utf-8")
    shutil.copy(dated / "framework.yaml", tmp_path / "framework.yaml")
    c, fw, fw_file = read_case(tmp_path / "case.yaml")
    assert c.lists["项目清单"][1]["金额"] == 3.5  # 35,000元, held in 万元
    for suffix in (".json", ".yaml", ".xlsx"):
        write_case(c, fw, tmp_path / f"out{suffix}", fw_file)
        back, _ = load_case(tmp_path / f"out{suffix}")
        assert back.lists == c.lists, suffix


def test_the_seed_stated_rates_pass_and_a_wrong_one_warns():
    assert codes(seed_data()) == []
    for stated, warns in (("61.74%", False), ("61.79%", False), ("61.80%", True), ("61.64%", False), ("61.63%", True)):
        data = seed_data()
        data["stated"]["三公经费控制率"] = stated
        assert ("W-IN-STATED-MISMATCH" in codes(data)) is warns, stated


def test_an_unknown_stated_rate_warns():
    data = seed_data()
    data["stated"]["人均办案量"] = "12%"
    assert "W-IN-STATED-UNKNOWN" in codes(data)


def test_suspicious_values_warn():
    data = seed_data()
    data["facts"]["一季度预算执行率"] = "320%"
    data["stated"]["全年平均执行率"] = "173.93%"
    data["facts"]["年初预算数"] = 10000
    data["stated"].pop("资金调整率")
    found = codes(data)
    assert "W-IN-PACE-HIGH" in found and "W-IN-ADJUST-HIGH" in found
    assert "W-IN-STATED-MISMATCH" not in found


def test_score_prints_warnings_on_stderr(tmp_path):
    text = (SEED / "case.yaml").read_text(encoding="utf-8").replace("三公经费控制率: 61.74%", "三公经费控制率: 65%")
    (tmp_path / "case.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["score", str(tmp_path / "case.yaml"), "--format", "json"])
    assert result.exit_code == 0
    assert "W-IN-STATED-MISMATCH" in result.output and "61.72%" in result.output


def test_utf8_bom_is_accepted(tmp_path):
    (tmp_path / "case.yaml").write_bytes(b"\xef\xbb\xbf" + (SEED / "case.yaml").read_bytes())
    assert round(scores(tmp_path / "case.yaml")[0], 2) == 96.77


def test_formula_with_a_saved_result_is_read_with_a_warning(tmp_path):
    # A workbook as Excel saves it: the formula and its cached value side by side in the XML.
    src = tmp_path / "seed.xlsx"
    shutil.copy(SEED / "case.xlsx", src)
    wb = load_workbook(src)
    wb["政府采购"]["C5"] = "=C4*0.672479"
    wb.save(src)
    out = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        sheet = next(n for n in zin.namelist() if n.startswith("xl/worksheets/") and b"C4*0.672479" in zin.read(n))
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet:
                data = data.replace(b"<f>C4*0.672479</f><v></v>", b"<f>C4*0.672479</f><v>4222.66</v>")
                data = data.replace(b"<f>C4*0.672479</f></c>", b"<f>C4*0.672479</f><v>4222.66</v></c>")
            zout.writestr(item, data)
    c, _ = load_case(out)
    assert c.facts["实际政府采购金额"].value == 4222.66
    assert any(w.code == "W-IN-FORMULA" and w.where == "政府采购!C5" for w in c.warnings)


def test_money_unit_per_column_and_per_cell_in_a_workbook(tmp_path):
    path = tmp_path / "case.xlsx"
    shutil.copy(SEED / "case.xlsx", path)
    wb = load_workbook(path)
    ws = wb["预算与决算"]
    ws["C4"], ws["D4"] = 211950000, "元"
    ws["C5"] = "2.563232亿元"
    wb.save(path)
    c, _ = load_case(path)
    assert c.facts["年初预算数"].value == 21195.0 and c.facts["调整预算数"].value == 25632.32
    assert round(evaluate(*reversed(load_case(path))).total, 2) == 96.77


def test_all_errors_are_collected_in_one_run(tmp_path):
    path = tmp_path / "case.xlsx"
    shutil.copy(SEED / "case.xlsx", path)
    wb = load_workbook(path)
    wb["政府采购"]["C4"] = "abc"
    wb["人员与资产"]["C4"] = -3
    wb["定性评价"]["D4"] = "也许"
    wb.save(path)
    with pytest.raises(InvalidInput) as info:
        load_case(path)
    got = {(p.code, p.where) for p in info.value.problems}
    assert {("E-IN-NOT-NUMBER", "政府采购!C4"), ("E-IN-NEGATIVE", "人员与资产!C4"), ("E-IN-NOT-NUMBER", "定性评价!D4")} <= got
    message = next(str(p) for p in info.value.problems if p.where == "政府采购!C4")
    assert "应为金额（万元），实际为“abc”" in message


def test_template_layout_validations_and_protection(tmp_path):
    out = tmp_path / "template.xlsx"
    result = runner.invoke(app, ["template", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    for name in ("基本信息", "预算与决算", "政府采购", "季度支出", "人员与资产", "三公与公用经费", "项目清单", "定性评价", "文字材料"):
        assert name in wb.sheetnames
    fw = load_framework("shenzhen-dept/2020")
    placed = {ws.cell(r, 1).value for ws in wb.worksheets[1:] for r in range(4, 60)}
    assert set(fw.facts) <= placed, set(fw.facts) - placed
    ws = wb["政府采购"]
    assert ws.protection.sheet and ws["C3"].protection.locked and not ws["C4"].protection.locked
    rules = {(dv.type, dv.operator, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert ("decimal", "greaterThanOrEqual", "0") in rules and ("list", None, '"元,万元,亿元"') in rules
    judged = wb["定性评价"]
    lists = [dv.formula1 for dv in judged.data_validations.dataValidation if dv.type == "list"]
    assert '"是,否"' in lists and any(f.startswith("$") for f in lists)  # levels: a same-sheet range
    assert all("!" not in (f or "") for f in lists)
    assert wb["政府采购"]["D4"].value == "万元"


def test_every_fact_has_a_sheet_in_the_shipped_layout():
    fw = load_framework("shenzhen-dept/2020")
    layout = layout_for(fw, framework_path("shenzhen-dept/2020"))
    assert all(s.name != "其他数据" for s in layout.sheets)
    assert layout.sheet_of("政府采购计划金额").name == "政府采购"


def test_convert_refuses_an_unknown_output_format(tmp_path):
    result = runner.invoke(app, ["convert", str(SEED / "case.yaml"), str(tmp_path / "case.txt")])
    assert result.exit_code == 2 and "E-IN-FORMAT" in result.output
    assert not (tmp_path / "case.txt").exists()


def test_an_output_that_cannot_be_written_is_a_chinese_error(tmp_path):
    blocker = tmp_path / "不是目录"
    blocker.write_text("x", encoding="utf-8")
    for args in (["template", "-o", str(blocker / "t.xlsx")], ["convert", str(SEED / "case.yaml"), str(blocker / "c.yaml")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert "E-IN-FILE" in result.stderr and "无法写入" in result.stderr
        assert not isinstance(result.exception, OSError)
    assert blocker.read_text(encoding="utf-8") == "x"


def test_control_characters_do_not_stop_a_conversion_to_xlsx(tmp_path):
    import json

    data = json.loads((SEED / "case.json").read_text(encoding="utf-8"))
    data["subject"] = "单位\u0007名"
    data["facts"]["年初预算数"] = {"value": 21195.00, "evidence": "第一行\u000b第二行"}
    (tmp_path / "c.json").write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "c.json"), str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    c, _ = load_case(tmp_path / "c.xlsx")
    assert c.subject == "单位名" and c.facts["年初预算数"].evidence == "第一行\n第二行"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by `make setup`")
def test_libreoffice_opens_the_template_and_keeps_its_validations(tmp_path):
    fw = load_framework("shenzhen-dept/2020")
    build_workbook(fw, layout_for(fw, framework_path(fw.id))).save(tmp_path / "template.xlsx")
    shutil.copy(SEED / "case.xlsx", tmp_path / "seed.xlsx")
    profile = f"file://{tmp_path}/lo-profile"
    for target in ("xlsx:Calc MS Excel 2007 XML", "ods"):
        proc = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", target,
                               "--outdir", str(tmp_path / "lo"), str(tmp_path / "template.xlsx"), str(tmp_path / "seed.xlsx")],
                              capture_output=True, text=True, timeout=240, check=False)
        assert proc.returncode == 0, proc.stderr
    original, saved = load_workbook(tmp_path / "template.xlsx"), load_workbook(tmp_path / "lo" / "template.xlsx")
    for ws in original.worksheets:
        want = sorted((dv.type, dv.formula1) for dv in ws.data_validations.dataValidation)
        got = sorted((dv.type, dv.formula1) for dv in saved[ws.title].data_validations.dataValidation)
        assert got == want, ws.title
        assert saved[ws.title].protection.sheet == ws.protection.sheet
    content = zipfile.ZipFile(tmp_path / "lo" / "template.ods").read("content.xml").decode("utf-8")
    assert content.count("<table:content-validation ") >= 50
    assert "cell-content-is-in-list(&quot;是&quot;;&quot;否&quot;)" in content
    # The seed's workbook, as LibreOffice saves it, still scores 96.77.
    assert scores(tmp_path / "lo" / "seed.xlsx") == scores(SEED / "case.yaml")


NUMERIC = ["年初预算数", "调整预算数", "政府采购计划金额", "核定编制数", "一季度预算执行率", "三公经费预算数", "信访总量"]
ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["", " ", "１２３", "1,2", "1e999", "-0", "12万元", "5%", "百分之", "¥", "nan", "inf", "是", "0x10"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact=st.sampled_from(sorted(seed_data()["facts"])), value=ODD)
def test_mutating_any_seed_value_never_crashes(fact, value):
    data = seed_data()
    data["facts"][fact] = value
    try:
        c, fw = bind(data)
    except InvalidInput as exc:
        assert exc.problems and all(p.code.startswith(("E-", "W-")) for p in exc.problems)
        return
    evaluate(fw, c)  # whatever was accepted can be scored


WORDS = st.text(alphabet=st.sampled_from(list("abcxyz两万一千元约左右未知零壹贰叁，。-+/ ")), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(fact=st.sampled_from(NUMERIC), text=WORDS, wrapped=st.booleans())
def test_text_is_never_accepted_where_a_number_belongs(fact, text, wrapped):
    if any(ch.isdigit() for ch in text):
        return
    data = seed_data()
    data["facts"][fact] = {"value": text, "evidence": "x"} if wrapped else text
    with pytest.raises(InvalidInput) as info:
        bind(data)
    assert any(p.code in ("E-IN-NOT-NUMBER", "E-IN-MISSING") for p in info.value.problems)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=st.sampled_from(["政府采购!C4", "预算与决算!C5", "人员与资产!C4", "季度支出!C6", "三公与公用经费!C7"]),
       text=WORDS.filter(lambda t: t.strip() and not any(ch.isdigit() for ch in t)))
def test_text_in_a_numeric_cell_is_never_accepted(tmp_path, cell, text):
    sheet, ref = cell.split("!")
    wb = load_workbook(SEED / "case.xlsx")
    wb[sheet][ref] = text
    path = tmp_path / "mutated.xlsx"
    wb.save(path)
    with pytest.raises(InvalidInput) as info:
        load_case(path)
    assert any(p.where == cell for p in info.value.problems)


def test_every_intake_code_is_documented():
    import re

    src = Path(__file__).parent.parent / "src" / "jixiao"
    files = [*(src / "intake").glob("*.py"), src / "cli" / "intake.py"]
    used = set()
    for f in files:
        if f.name.startswith("form"):
            continue  # the project-form reader documents its own codes
        used |= set(re.findall(r'"([EW]-(?:IN|FW)-[A-Z0-9-]+)"', f.read_text(encoding="utf-8")))
    doc = (Path(__file__).parent.parent / "docs" / "intake.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([EW]-(?:IN|FW)-[A-Z0-9-]+)`", doc))
    assert {c for c in used if "-IN-" in c or c == "E-FW-WORKBOOK"} <= documented
