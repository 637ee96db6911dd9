"""Framework files are validated when loaded, every error at once, each at ``file:line`` with the
indicator it concerns; ``jixiao check-framework FILE`` prints them in Chinese and exits 2.

The broken framework files live in ``tests/fixtures/frameworks/``. Each line that must be reported
carries a comment ``# expect: CODE 指标名`` (several joined by ``;``); the test reads those comments,
so the expected place sits beside the mistake and cannot drift from it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.errors import InvalidInput
from jixiao.frameworks import editions
from jixiao.intake.framework import load_framework
from jixiao.intake.yamlio import load

FIXTURES = Path(__file__).parent / "fixtures" / "frameworks"
BROKEN = sorted(p for p in FIXTURES.glob("*.yaml") if "# expect:" in p.read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")
MARK = re.compile(r"#\s*expect:\s*(.+)$")

# Every code the framework validation can give, and the fixture that shows it.
CODES = {
    "E-FW-WEIGHT-SUM", "E-FW-RULE-MAX", "E-FW-RULE-SHORT", "E-FW-FACT-UNDECLARED", "E-FW-FACT-TYPE",
    "E-FW-EXPR-TYPE", "E-FW-BANDS", "E-FW-LEVELS", "E-FW-RULE-MISSING", "E-FW-RULE-ON-PARENT", "E-FW-ID-DUP",
    "E-FW-JUDGEMENT-REUSE", "E-FW-LIST", "E-FW-FACT-CHOICES", "E-FW-FACT-UNIT", "E-FW-RULE-EMPTY",
    "E-FW-RULE-UNBOUNDED", "E-FW-SCHEMA", "E-FW-RULE-SIZE", "E-FW-NAME-CLASH",
}


def expected(path: Path) -> set[tuple[str, str, str]]:
    """(code, file:line, indicator) for every ``# expect:`` comment in a fixture."""
    out = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = MARK.search(line)
        if not m:
            continue
        for item in m.group(1).split(";"):
            code, _, indicator = item.strip().partition(" ")
            out.add((code, f"{path}:{number}", indicator.strip()))
    return out


def reported(path: Path) -> list:
    with pytest.raises(InvalidInput) as info:
        load_framework(path)
    return info.value.problems


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_every_error_is_reported_at_its_line_with_its_indicator(path):
    problems = reported(path)
    got = {(p.code, p.where, p.indicator) for p in problems}
    assert got == expected(path)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_every_message_is_chinese_and_names_what_to_fix(path):
    for p in reported(path):
        assert CJK.search(p.message), p
        assert str(p).endswith(f"[{p.code}]") and p.where in str(p)
        if p.indicator:
            assert f"{p.indicator}：" in str(p)


def test_the_fixtures_show_every_framework_error_code():
    shown = {code for path in BROKEN for code, _, _ in expected(path)}
    assert shown == CODES


def test_a_file_with_several_mistakes_reports_all_of_them():
    problems = reported(FIXTURES / "many.yaml")
    assert len(problems) == 7
    assert {p.code for p in problems} == {
        "E-FW-WEIGHT-SUM", "E-FW-RULE-MAX", "E-FW-FACT-UNDECLARED", "E-FW-LEVELS", "E-FW-BANDS", "E-FW-FACT-UNIT"}


def test_schema_errors_are_all_reported_together():
    problems = reported(FIXTURES / "schema.yaml")
    assert {p.indicator for p in problems} == {"未知类型", "乘方", "拼写", "分值为文字", "缺类型"}
    messages = "\n".join(p.message for p in problems)
    assert "未知的规则类型 kind“ratio”" in messages
    assert "乘方" in messages and "不认识的字段" in messages and "缺少 kind" in messages


def test_band_gap_and_overlap_are_told_apart():
    by_indicator = {p.indicator: p.message for p in reported(FIXTURES / "bands.yaml")}
    assert "空档" in by_indicator["空档"] and "0.8" in by_indicator["空档"]
    assert "重叠" in by_indicator["重叠"] and "0.9" in by_indicator["重叠"]


def test_weight_sum_names_the_children_and_their_weights():
    messages = {p.indicator: p.message for p in reported(FIXTURES / "weight-sum.yaml")}
    assert messages[""] == "一级指标分值合计 5，应等于总分 10"
    assert "预算 4" in messages["决策"] and "应等于本级分值 5" in messages["决策"]


def test_a_valid_file_and_every_shipped_edition_load():
    fw = load_framework(FIXTURES / "valid.yaml")
    assert [i.id for i in fw.leaves()] == ["决策.预算.执行率", "决策.预算.制度", "管理.合规.合规性", "管理.合规.公开"]
    for ref in editions():
        load_framework(ref)


# --- the command ------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_check_framework_prints_every_error_in_chinese_and_exits_2(path):
    result = runner.invoke(app, ["check-framework", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = result.stderr
    assert "Traceback" not in result.output
    assert err.startswith("错误：指标体系")
    for code, where, indicator in expected(path):
        line = next(text for text in err.splitlines() if where + " " in text and f"[{code}]" in text)
        assert (f" {indicator}：" in line) if indicator else True
    assert f"（{len(reported(path))} 处）" in err


def test_check_framework_passes_a_valid_file():
    result = runner.invoke(app, ["check-framework", str(FIXTURES / "valid.yaml")])
    assert result.exit_code == 0
    assert result.stdout.startswith("通过：测试指标体系（fixture/valid，4 个末级指标，总分 10）")


def test_check_framework_accepts_a_shipped_edition_id():
    result = runner.invoke(app, ["check-framework", "shenzhen-dept/2020"])
    assert result.exit_code == 0 and "21 个末级指标" in result.stdout


@pytest.mark.parametrize("name,code", [
    ("not-a-mapping.yaml", "E-FW-SCHEMA"), ("yaml-syntax.yaml", "E-IN-YAML"), ("no-such-file.yaml", "E-IN-FILE"),
])
def test_check_framework_refuses_unreadable_files_without_a_traceback(name, code):
    result = runner.invoke(app, ["check-framework", str(FIXTURES / name)])
    assert result.exit_code == 2
    assert f"[{code}]" in result.stderr and CJK.search(result.stderr)
    assert "Traceback" not in result.output


def test_check_framework_as_a_real_process_has_no_traceback():
    path = FIXTURES / "many.yaml"
    proc = subprocess.run([sys.executable, "-c", "from jixiao.cli import main; main()", "check-framework", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "错误：指标体系" in proc.stderr and f"{path}:13 " in proc.stderr


def test_every_framework_error_code_the_core_can_raise_is_documented_and_shown():
    """The codes in the validator's source are exactly those the fixtures show and docs list."""
    core = Path(__file__).resolve().parents[1] / "src" / "jixiao" / "core"
    sources = [core / "model.py", *sorted((core / "rules").glob("*.py"))]
    raised = {code for path in sources if path.name != "target.py"
              for code in re.findall(r'"(E-FW-[A-Z-]+)"', path.read_text(encoding="utf-8"))}
    docs = (Path(__file__).resolve().parents[1] / "docs" / "framework-format.md").read_text(encoding="utf-8")
    assert raised | {"E-FW-SCHEMA"} == CODES
    assert [code for code in sorted(CODES) if f"`{code}`" not in docs] == []


# --- no mistake in a framework file is ever a crash -------------------------------------------

VALID = load(FIXTURES / "valid.yaml").data


def paths(node, here=()):
    yield here
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, here + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, here + (i,))


PATHS = [p for p in paths(VALID) if p]
JUNK = [None, "文字", -1, 0, 0.5, 1e308, [], {}, True, "a ** 2", "实际 / 计划", "present(", {"kind": "rate"},
        [{"at_least": 0.5}], "__import__('os')"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.sampled_from(JUNK + ["<delete>"])), min_size=1, max_size=3))
def test_a_mangled_framework_is_refused_with_problems_never_a_crash(tmp_path_factory, edits):
    import copy
    import json as _json

    data = copy.deepcopy(VALID)
    for path, junk in edits:
        node = data
        try:
            for p in path[:-1]:
                node = node[p]
            if junk == "<delete>":
                del node[path[-1]]
            else:
                # A copy: the same junk dict placed twice could otherwise end up inside itself.
                node[path[-1]] = copy.deepcopy(junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    path = tmp_path_factory.mktemp("fw") / "framework.yaml"
    path.write_text(_json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")  # JSON is YAML 1.2
    try:
        load_framework(path)
    except InvalidInput as exc:
        assert exc.problems and all(p.code.startswith(("E-FW-", "E-IN-")) for p in exc.problems)
