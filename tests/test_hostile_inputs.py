"""Hostile input (issue 15): every limit of the table in docs/intake.md tested at the limit and one
past it, and each reproduced break that is not a plain refusal (those are in tests/bad_inputs/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core import expr as E
from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput
from jixiao.core.rules.base import RULE_DEPTH, depth
from jixiao.intake import limits
from jixiao.intake.case import load_case
from jixiao.intake.workbook import check_container, scan
from jixiao.intake.yamlio import _refuse_many, check_text, checked, load, load_json, read_bytes

HERE = Path(__file__).parent
SEED = HERE.parent / "examples" / "shenzhen-sibao-2020"
runner = CliRunner()


def codes(exc_info) -> set[str]:
    return {p.code for p in exc_info.value.problems}


def refused(code: str, fn, *args):
    with pytest.raises(InvalidInput) as info:
        fn(*args)
    assert code in codes(info), info.value.problems


# --- the limit table, each at the limit and one past it ---------------------------------------------

def test_the_limit_table_in_the_docs_is_the_one_in_the_code():
    doc = (HERE.parent / "docs" / "intake.md").read_text(encoding="utf-8")
    for what, value, unit, code in limits.TABLE:
        shown = f"`{code}`" if code.startswith(("E-", "W-")) else code
        row = f"| {what} | {value:,} {unit} | {shown} |"
        assert row in doc, row


def test_text_bytes(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_bytes(b"#" * limits.TEXT_BYTES)
    assert len(read_bytes(f)) == limits.TEXT_BYTES
    f.write_bytes(b"#" * (limits.TEXT_BYTES + 1))
    refused("E-IN-TOO-LARGE", read_bytes, f)


def test_workbook_bytes(tmp_path):
    f = tmp_path / "a.xlsx"
    with f.open("wb") as fh:  # sparse: the size is checked before a byte is read
        fh.write(b"PK\x03\x04")
        fh.truncate(limits.WORKBOOK_BYTES)
    refused("E-IN-NOT-XLSX", check_container, f)  # within the size: on to the next check
    with f.open("r+b") as fh:
        fh.truncate(limits.WORKBOOK_BYTES + 1)
    refused("E-IN-TOO-LARGE", check_container, f)


def zip_of(parts: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_zip_parts(tmp_path):
    ok = zip_of({f"p{i}": b"" for i in range(limits.ZIP_PARTS - 1)}, tmp_path / "ok.xlsx")
    check_container(ok)
    over = zip_of({f"p{i}": b"" for i in range(limits.ZIP_PARTS)}, tmp_path / "over.xlsx")
    refused("E-IN-ZIP-BOMB", check_container, over)


def test_unpacked_bytes(tmp_path):
    # Parts under the ratio floor, so only the total decides.
    whole, rest = divmod(limits.UNPACKED_BYTES - len("<workbook/>"), limits.RATIO_FLOOR)
    parts = {f"p{i}": bytes(limits.RATIO_FLOOR) for i in range(whole)} | {"rest": bytes(rest)}
    check_container(zip_of(parts, tmp_path / "ok.xlsx"))
    parts["one-more"] = b"x"
    refused("E-IN-ZIP-BOMB", check_container, zip_of(parts, tmp_path / "over.xlsx"))


def declaring(path: Path, part: str, file_size: int) -> Path:
    """``path`` with the central directory's inflated size of ``part`` set to ``file_size``: the
    zip checks trust what the directory declares (Python's zip reader never inflates past it), so
    a ratio can be set to the byte, as an attacker sets it."""
    import struct

    data = bytearray(path.read_bytes())
    assert data[-22:-18] == b"PK\x05\x06"  # the end record, no comment
    at = struct.unpack_from("<I", data, len(data) - 6)[0]  # where the central directory starts
    while True:
        assert data[at:at + 4] == b"PK\x01\x02"
        name_len, extra, comment = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46:at + 46 + name_len] == part.encode():
            struct.pack_into("<I", data, at + 24, file_size)
            break
        at += 46 + name_len + extra + comment
    path.write_bytes(bytes(data))
    return path


def stored(path: Path, part: str, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr(part, os.urandom(size))
    return path


def test_zip_ratio(tmp_path):
    # 10,001 stored bytes declared to inflate to 100 times that (over the floor): at the ratio, then one byte past it.
    packed = 10_001
    at = declaring(stored(tmp_path / "at.xlsx", "xl/p.xml", packed), "xl/p.xml", packed * limits.ZIP_RATIO)
    assert zipfile.ZipFile(at).getinfo("xl/p.xml").file_size > limits.RATIO_FLOOR
    check_container(at)
    over = declaring(stored(tmp_path / "over.xlsx", "xl/p.xml", packed), "xl/p.xml", packed * limits.ZIP_RATIO + 1)
    refused("E-IN-ZIP-BOMB", check_container, over)


def test_zip_ratio_floor(tmp_path):
    # Zeros deflate about 1,000:1; a part of RATIO_FLOOR bytes is not judged by its ratio, one byte more is.
    for size, ok in ((limits.RATIO_FLOOR, True), (limits.RATIO_FLOOR + 1, False)):
        path = zip_of({"xl/zeros.xml": bytes(size)}, tmp_path / f"z{size}.xlsx")
        info = zipfile.ZipFile(path).getinfo("xl/zeros.xml")
        assert info.file_size / info.compress_size > limits.ZIP_RATIO
        if ok:
            check_container(path)
        else:
            refused("E-IN-ZIP-BOMB", check_container, path)


def test_yaml_marks():
    _refuse_many(":" * limits.YAML_MARKS, "x")
    refused("E-IN-TOO-LARGE", _refuse_many, ":" * (limits.YAML_MARKS + 1), "x")


def test_nodes():
    checked([0] * (limits.LIST_ITEMS - 1), str)  # well within
    flat = {f"k{i}": [0] * 99 for i in range(limits.NODES // 100)}  # 1 + 2,000 × (1 + 99) = NODES + 1
    refused("E-IN-TOO-LARGE", checked, flat, lambda p: "x")
    flat.popitem()
    flat["last"] = [0] * 98  # exactly NODES
    checked(flat, lambda p: "x")


def nested(n: int) -> str:
    return "a:\n" + "".join("  " * i + "  b:\n" for i in range(n - 2)) + "  " * (n - 1) + "c: 1\n"


def test_nesting(tmp_path):
    f = tmp_path / "n.yaml"
    f.write_text(nested(limits.NESTING), encoding="utf-8")  # a value 64 keys deep
    load(f)
    f.write_text(nested(limits.NESTING + 1), encoding="utf-8")
    refused("E-IN-YAML-BOMB", load, f)


def test_list_items(tmp_path):
    f = tmp_path / "l.json"
    f.write_text(json.dumps({"l": [1] * limits.LIST_ITEMS}), encoding="utf-8")
    load_json(f)
    f.write_text(json.dumps({"l": [1] * (limits.LIST_ITEMS + 1)}), encoding="utf-8")
    refused("E-IN-TOO-LARGE", load_json, f)


def test_text_chars():
    check_text("字" * limits.TEXT_CHARS, "x")
    refused("E-IN-TOO-LARGE", check_text, "字" * (limits.TEXT_CHARS + 1), "x")


def test_digits(tmp_path):
    for suffix, write in ((".json", lambda n: json.dumps({"v": n})), (".yaml", lambda n: f"v: {n}\n")):
        f = tmp_path / f"d{suffix}"
        f.write_text(write(int("9" * limits.DIGITS)), encoding="utf-8")
        (load_json if suffix == ".json" else load)(f)
        f.write_text(write(10 ** limits.DIGITS), encoding="utf-8")
        refused("E-IN-TOO-LARGE", load_json if suffix == ".json" else load, f)


def seed_with_cells(tmp_path: Path, name: str, extra: int) -> Path:
    """The seed workbook plus ``extra`` cells on its ignored first sheet."""
    src = SEED / "case.xlsx"
    with zipfile.ZipFile(src) as zf:
        n = sum(zf.read(i.filename).count(b"<c ") for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    out = tmp_path / name
    rows = "".join(f'<row r="{1000 + r}">' + f'<c r="A{1000 + r}"><v>{r}</v></c></row>' for r in range(extra))
    with zipfile.ZipFile(src) as s, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as d:
        for info in s.infolist():
            data = s.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            d.writestr(info, data)
    return out, n


@pytest.mark.parametrize("budget", [5_000, pytest.param(limits.CELLS, marks=pytest.mark.slow)])
def test_cells_over_all_sheets(budget, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "CELLS", budget)  # the mechanism at a small budget; the real one is slow
    _, present = seed_with_cells(tmp_path, "probe.xlsx", 0)
    ok, _ = seed_with_cells(tmp_path, "ok.xlsx", budget - present)
    assert sum(s.cells for s in scan(ok).values()) == budget
    load_case(ok)
    over, _ = seed_with_cells(tmp_path, "over.xlsx", budget - present + 1)
    refused("E-IN-TOO-LARGE", scan, over)


def test_cells_over_all_sheets_of_a_form_workbook(tmp_path, monkeypatch):
    """The same budget for a project form workbook (自评表), at the budget and one past it."""
    from jixiao.intake.form import read_form

    form = HERE.parent / "examples" / "chizhou-2022" / "form.xlsx"
    with zipfile.ZipFile(form) as zf:
        present = zf.read("xl/worksheets/sheet1.xml").count(b"<c ")
    budget = present + 300
    monkeypatch.setattr(limits, "CELLS", budget)

    def with_cells(name: str, extra: int) -> Path:  # in column CA, right of what the form reader reads
        rows = "".join(f'<row r="{1000 + r}"><c r="CA{1000 + r}"><v>{r}</v></c></row>' for r in range(extra))
        out = tmp_path / name
        with zipfile.ZipFile(form) as s, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as d:
            for info in s.infolist():
                data = s.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
                d.writestr(info, data)
        return out

    at = with_cells("at.xlsx", budget - present)
    assert sum(s.cells for s in scan(at).values()) == budget
    read_form(at)
    refused("E-IN-TOO-LARGE", read_form, with_cells("over.xlsx", budget - present + 1))


def test_sheet_wide_merges_on_a_form_count_against_the_budget(tmp_path):
    from jixiao.intake.form import read_form

    wb = load_workbook(HERE.parent / "examples" / "chizhou-2022" / "form.xlsx")
    ws = wb["自评表"]
    ws.cell(6_000, 1, "备注")
    for i in range(40):  # 40 merges of 6,000 × 1 cells: 240,000 covered, over the 200,000 budget
        ws.merge_cells(start_row=30, start_column=12 + i, end_row=6_000, end_column=12 + i)
    wb.save(tmp_path / "merged.xlsx")
    start = time.monotonic()
    refused("E-IN-TOO-LARGE", read_form, tmp_path / "merged.xlsx")
    assert time.monotonic() - start < 30


def seed_with(tmp_path: Path, name: str, change) -> Path:
    wb = load_workbook(SEED / "case.xlsx")
    change(wb)
    out = tmp_path / name
    wb.save(out)
    return out


def test_rows_of_a_sheet_that_is_read(tmp_path):
    last = seed_with(tmp_path, "ok.xlsx", lambda wb: wb["填写说明"].cell(limits.ROWS, 1, "备注"))
    wb = lambda p: seed_with(tmp_path, p, lambda wb: wb["政府采购"].cell(limits.ROWS, 7, "备注"))
    load_case(wb("at.xlsx"))  # an extra column of a read sheet, at the last allowed row
    load_case(last)
    over = seed_with(tmp_path, "over.xlsx", lambda wb: wb["政府采购"].cell(limits.ROWS + 1, 7, "备注"))
    refused("E-IN-TOO-LARGE", load_case, over)


def test_columns_beyond_the_limit_are_never_read(tmp_path):
    """A value beyond the read columns does not stretch a sheet, however far down it is."""
    far = seed_with(tmp_path, "far.xlsx", lambda wb: wb["政府采购"].cell(1_048_576, limits.COLUMNS + 1, "远处"))
    load_case(far)
    near = seed_with(tmp_path, "near.xlsx", lambda wb: wb["政府采购"].cell(1_048_576, limits.COLUMNS, "远处"))
    refused("E-IN-TOO-LARGE", load_case, near)


def test_expression_length():
    at = "a" * E.MAX_LENGTH  # one long name: the length alone decides
    assert E.parse(at) == E.Ref(at)
    with pytest.raises(E.ExpressionError, match="过长"):
        E.parse(at + "a")


def test_expression_nodes():
    # max(1, 1, …): the expression, the call, the name max and its context, one node per argument.
    at = "max(" + ",".join(["1"] * (E.MAX_NODES - 4)) + ")"
    assert len(at) <= E.MAX_LENGTH
    assert len(E.parse(at).args) == E.MAX_NODES - 4
    with pytest.raises(E.ExpressionError, match="过于复杂"):
        E.parse("max(" + ",".join(["1"] * (E.MAX_NODES - 3)) + ")")


def test_expression_depth():
    # Each unary minus is one level: -a is three (the minus, the name, its context).
    E.parse("-" * (E.MAX_DEPTH - 2) + "a")
    with pytest.raises(E.ExpressionError, match="嵌套过深"):
        E.parse("-" * (E.MAX_DEPTH - 1) + "a")


def checklist_framework(n: int) -> str:
    facts = "".join(f"  j{i}: {{type: judgement, label: 标准{i}}}\n" for i in range(n))
    items = "".join(f"        - {{says: 标准{i}, points: 1, fact: j{i}}}\n" for i in range(n))
    return (f'id: t/wide\nname: 宽规则\nedition: "1"\ntotal: {n}\nlevels: 1\nfacts:\n{facts}'
            f"indicators:\n  - name: 很多标准\n    weight: {n}\n    rule:\n      kind: checklist\n      items:\n{items}")


def test_rule_depth_at_the_limit_is_scored_and_past_it_refused(tmp_path):
    from jixiao.core.rules.checklist import Checklist

    n = next(k for k in range(1, 400) if depth(Checklist(kind="checklist", items=[
        {"says": "s", "points": 1, "fact": f"j{i}"} for i in range(k)]).lower()) == RULE_DEPTH)
    fw = tmp_path / "fw.yaml"
    fw.write_text(checklist_framework(n), encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("subject: 甲\nyear: 2020\nframework: fw.yaml\nfacts:\n" + "".join(f"  j{i}: true\n" for i in range(n)),
                    encoding="utf-8")
    result = runner.invoke(app, ["score", str(case), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == n
    fw.write_text(checklist_framework(n + 1), encoding="utf-8")
    result = runner.invoke(app, ["check-framework", str(fw)])
    assert result.exit_code == 2 and "[E-FW-RULE-SIZE]" in result.output


# --- the reproduced breaks that are not plain refusals -------------------------------------------------

@pytest.mark.parametrize("kind,n", [("checklist", 330), ("tiers", 1_200), ("sum", 1_600)])
def test_wide_rules_are_refused_by_check_framework_not_crashed_on_by_score(kind, n, tmp_path):
    if kind == "checklist":
        text = checklist_framework(n)
    else:
        if kind == "tiers":
            bands = "".join(f"        - {{at_least: {i}, below: {i + 1}, points: 1}}\n" for i in range(n))
            rule = f"      kind: tiers\n      label: 档\n      value: v\n      bands:\n        - {{below: 0, points: 0}}\n{bands}        - {{at_least: {n}, points: 1}}\n"
            weight = 1
        else:
            parts = "".join(f"        - {{kind: deduct_per, label: 部分{i}, count: v, each: 1, points: 1}}\n" for i in range(n))
            rule = f"      kind: sum\n      parts:\n{parts}"
            weight = n
        text = (f'id: t/w\nname: 宽\nedition: "1"\ntotal: {weight}\nlevels: 1\nfacts:\n  v: {{type: number, label: 值}}\n'
                f"indicators:\n  - name: 甲\n    weight: {weight}\n    rule:\n{rule}")
    fw = tmp_path / "fw.yaml"
    fw.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["check-framework", str(fw)])
    assert result.exit_code == 2 and "[E-FW-RULE-SIZE]" in result.output, result.output
    assert not isinstance(result.exception, RecursionError)


OVERFLOW = "*".join(["v"] * 21)  # (1e15)^21 = inf


@pytest.mark.parametrize("rule", [
    f"{{kind: deduct_over, label: 超支率, value: '{OVERFLOW} - {OVERFLOW}', threshold: 0.1, per: 0.01, deduct: 0.1, points: 10}}",
    f"{{kind: deduct_per, label: 问题, count: '{OVERFLOW} - {OVERFLOW}', each: 1, points: 10}}",
    f"{{kind: tiers, label: 率, value: '{OVERFLOW} - {OVERFLOW}', bands: [{{below: 1, points: 0}}, {{at_least: 1, points: 10}}]}}",
    f"{{kind: tiers, label: 率, value: '{OVERFLOW}', bands: [{{below: 1, points: 0}}, {{at_least: 1, points: 10}}]}}",
])
def test_an_overflowing_value_is_not_scorable_not_full_marks(rule, tmp_path):
    (tmp_path / "fw.yaml").write_text(
        f'id: t/n\nname: 溢出\nedition: "1"\ntotal: 10\nlevels: 1\nfacts:\n  v: {{type: number, label: 值}}\n'
        f"indicators:\n  - name: 甲\n    weight: 10\n    rule: {rule}\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("subject: 甲\nyear: 2020\nframework: fw.yaml\nfacts: {v: 1000000000000000}\n", encoding="utf-8")
    c, fw = load_case(tmp_path / "c.yaml")
    e = evaluate(fw, c)
    assert e.results[0].status == "not_scorable" and e.results[0].score is None
    result = runner.invoke(app, ["score", str(tmp_path / "c.yaml")])
    assert result.exit_code == 3 and "Traceback" not in result.output


def form_edition(path: Path, extends: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'kind: project-form\nid: t/{path.parent.name}\nname: 甲\nedition: "1"\nextends: {extends}\n', encoding="utf-8")


def test_editions_extending_each_other_or_themselves_are_a_loop(tmp_path):
    form_edition(tmp_path / "a" / "form.yaml", "../b/form.yaml")
    form_edition(tmp_path / "b" / "form.yaml", "../a/form.yaml")
    form_edition(tmp_path / "s" / "form.yaml", "form.yaml")
    for path in (tmp_path / "a" / "form.yaml", tmp_path / "s" / "form.yaml"):
        result = runner.invoke(app, ["check-framework", str(path)])
        assert result.exit_code == 2 and "[E-FW-EXTENDS]" in result.output and "循环继承" in result.output, result.output


def test_a_far_cell_on_an_ignored_sheet_costs_nothing(tmp_path):
    """A1 and XFD1048576 on an extra sheet: minutes and gigabytes before; now the seed's score."""
    def far(wb):
        ws = wb.create_sheet("备注")
        ws["A1"], ws["XFD1048576"] = 1, 2

    path = seed_with(tmp_path, "far.xlsx", far)
    start = time.monotonic()
    result = runner.invoke(app, ["score", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start < 30
    assert json.loads(result.stdout)["total"] == pytest.approx(96.77, abs=0.005)


def test_a_far_cell_on_a_form_workbook_costs_nothing(tmp_path):
    """XFD1048576 on the 自评表 itself: before, the form reader built the rectangle up to it inside
    openpyxl (minutes, gigabytes); now the column is beyond those read, and the form scores as before."""
    form = HERE.parent / "examples" / "chizhou-2022" / "form.xlsx"
    wb = load_workbook(form)
    wb["自评表"]["XFD1048576"] = "远处"
    wb.save(tmp_path / "far.xlsx")
    before = runner.invoke(app, ["score", str(form), "--format", "json"])
    start = time.monotonic()
    after = runner.invoke(app, ["score", str(tmp_path / "far.xlsx"), "--format", "json"])
    assert after.exit_code == before.exit_code == 0, after.output
    assert time.monotonic() - start < 30
    assert json.loads(after.stdout)["total"] == json.loads(before.stdout)["total"]


@pytest.mark.parametrize("example", ["chizhou-2022/form.xlsx", "chizhou-2022/target.xlsx", "chizhou-2022/preassessment.xlsx",
                                     "shenzhen-sibao-2020/case.xlsx"])
def test_every_workbook_is_checked_then_streamed_once(example, monkeypatch):
    """Each probe (cycle form? target? project form? case?) goes through check_container, and the
    sheets are streamed once for all of them; openpyxl only ever opens in read-only mode."""
    import openpyxl

    from jixiao.intake import workbook

    checked_, scanned, modes = [], [], []
    real_check, real_scan, real_load = workbook.check_container, workbook.scan, openpyxl.load_workbook
    monkeypatch.setattr(workbook, "_SCANNED", {})
    monkeypatch.setattr(workbook, "check_container", lambda p: checked_.append(p) or real_check(p))
    monkeypatch.setattr(workbook, "scan", lambda p: scanned.append(p) or real_scan(p))

    def load(*a, **k):
        modes.append(k.get("read_only", False))
        return real_load(*a, **k)

    monkeypatch.setattr(openpyxl, "load_workbook", load)
    result = runner.invoke(app, ["score", str(HERE.parent / "examples" / example), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(scanned) == 1 and len(checked_) >= 1
    assert modes and all(modes), "openpyxl opened a workbook in full mode"


def test_the_form_probe_opens_nothing_before_the_zip_checks(tmp_path, monkeypatch):
    import openpyxl

    sys.path.insert(0, str(HERE))
    from bad_inputs.corpus import zip_bomb

    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(zip_bomb(tmp_path))

    opened = []

    def never(*a, **k):  # recorded, not only raised: the form probe swallows any exception
        opened.append(a)
        raise AssertionError("openpyxl opened a file that fails the zip checks")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    monkeypatch.setattr("openpyxl.reader.excel.load_workbook", never)
    result = runner.invoke(app, ["score", str(bomb)])
    assert result.exit_code == 2 and "[E-IN-ZIP-BOMB]" in result.output, result.output
    assert not opened, "openpyxl was given the bomb before the zip checks"


def test_merged_cells_in_an_extra_column_are_ignored(tmp_path):
    path = seed_with(tmp_path, "merged.xlsx", lambda wb: wb["政府采购"].merge_cells("H4:I6"))
    load_case(path)


def test_a_quoted_year_is_the_year(tmp_path):
    text = (SEED / "case.yaml").read_text(encoding="utf-8").replace("year: 2020", 'year: "2020"')
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    assert load_case(tmp_path / "c.yaml")[0].year == 2020
    (tmp_path / "c.yaml").write_text(text.replace('"2020"', '"二〇二〇"'), encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_case(tmp_path / "c.yaml")
    assert any(p.code == "E-IN-YEAR" and "如 2020" in p.message for p in info.value.problems)


def test_a_fact_key_with_a_trailing_or_invisible_space_finds_its_fact(tmp_path):
    text = (SEED / "case.yaml").read_text(encoding="utf-8").replace("  年初预算数:", '  "年初预算数\\u200b ":')
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    c, _ = load_case(tmp_path / "c.yaml")
    assert c.facts["年初预算数"].value == 21195.0


def test_text_beginning_with_equals_survives_convert_to_xlsx(tmp_path):
    text = (SEED / "case.yaml").read_text(encoding="utf-8").replace(
        "evidence: 决算报表：一般公共预算年初预算数", 'evidence: "=A1+1 见决算报表"')
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "c.yaml"), str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    c, _ = load_case(tmp_path / "c.xlsx")
    assert c.facts["年初预算数"].evidence == "=A1+1 见决算报表"


def test_a_case_jixiao_can_convert_it_can_read_back(tmp_path):
    """The list limit is the same in every format, so a full list round-trips through a workbook,
    and one item more is refused when read, not after being written."""
    data = json.loads((SEED / "case.json").read_text(encoding="utf-8"))
    data["facts"].pop("未按要求编报绩效目标项目数", None)
    items = [{"名称": f"项目{i}", "按时完成": "是", "已编报绩效目标": "是"} for i in range(limits.LIST_ITEMS)]
    for key in ("计划完成项目数", "按时完成项目数"):
        data["facts"].pop(key, None)
    data["lists"] = {"项目清单": items}
    (tmp_path / "c.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "c.json"), str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    c, _ = load_case(tmp_path / "c.xlsx")
    assert len(c.lists["项目清单"]) == limits.LIST_ITEMS
    data["lists"]["项目清单"].append({"名称": "再一个", "按时完成": "是", "已编报绩效目标": "是"})
    (tmp_path / "c.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["convert", str(tmp_path / "c.json"), str(tmp_path / "d.xlsx")])
    assert result.exit_code == 2 and "[E-IN-TOO-LARGE]" in result.output
    assert not (tmp_path / "d.xlsx").exists()


def test_user_text_is_printed_as_written_not_as_markup(tmp_path):
    text = (SEED / "case.yaml").read_text(encoding="utf-8")
    text = text.replace("subject: 深圳市社会保险基金管理局（局本级）", 'subject: "社保局[/][/bold]"')
    text = re.sub(r"(未按要求编报绩效目标项目数:\n    value: 1\n    evidence: ).*", r'\1"[red]x[/red] 工作服"', text)
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["score", str(tmp_path / "c.yaml")])
    assert result.exit_code == 0, result.output
    assert "社保局[/][/bold]" in result.stdout and "[red]x[/red] 工作服" in result.stdout


def test_report_of_a_subject_with_a_lone_surrogate_writes_nothing(tmp_path):
    """Before: every file written, then UnicodeEncodeError. Now refused on intake, nothing written."""
    case = HERE / "bad_inputs" / "surrogate_subject.yaml"
    result = runner.invoke(app, ["report", str(case), "-o", str(tmp_path / "out"), "--format", "md,html,xlsx"])
    assert result.exit_code == 2 and "[E-IN-CHAR]" in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert list(tmp_path.iterdir()) == []


# --- convert and template outputs ------------------------------------------------------------------

def test_convert_refuses_to_write_onto_its_input(tmp_path):
    src = tmp_path / "a.yaml"
    src.write_bytes((SEED / "case.yaml").read_bytes())
    for target in (src, tmp_path / "." / "a.yaml"):
        result = runner.invoke(app, ["convert", str(src), str(target)])
        assert result.exit_code == 2 and "[E-IN-OVERWRITE]" in result.output
    assert src.read_bytes() == (SEED / "case.yaml").read_bytes()


def test_outputs_respect_the_umask_and_keep_a_replaced_files_mode(tmp_path):
    old = os.umask(0o022)
    try:
        runner.invoke(app, ["convert", str(SEED / "case.yaml"), str(tmp_path / "c.xlsx")])
        runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx")])
        assert (tmp_path / "c.xlsx").stat().st_mode & 0o777 == 0o644
        assert (tmp_path / "t.xlsx").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "c.xlsx", 0o640)
        runner.invoke(app, ["convert", str(SEED / "case.yaml"), str(tmp_path / "c.xlsx")])
        assert (tmp_path / "c.xlsx").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


FULL_DISK = """
import errno, os, sys
real = os.write
def full(fd, data):
    if fd > 2:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real(fd, data)
os.write = full
sys.argv = ["jixiao", "convert", sys.argv[1], sys.argv[2]]
from jixiao.cli import main
main()
"""


@pytest.mark.parametrize("suffix", [".xlsx", ".yaml", ".json"])
def test_a_full_disk_is_one_message_and_no_leftovers(suffix, tmp_path):
    out = tmp_path / f"c{suffix}"
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, str(SEED / "case.yaml"), str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "[E-IN-FILE]" in proc.stderr and "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_rendering_happens_before_the_target_folder_is_touched(tmp_path, monkeypatch):
    from jixiao.intake import export

    def boom(buffer):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.write_rendered(tmp_path / "x.xlsx", boom)
    assert list(tmp_path.iterdir()) == []
    export.write_rendered(tmp_path / "y.json", lambda b: b.write(b"{}"))
    assert (tmp_path / "y.json").read_bytes() == b"{}" and len(list(tmp_path.iterdir())) == 1
