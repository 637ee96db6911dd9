"""Fuzzing the project-form readers (issue 15, item 6), bounded in time for CI.

Hypothesis spoils the example project form (examples/chizhou-2022) one value at a time, as YAML, as
JSON and as the printed workbook, and ``jixiao score`` must keep its promise: no traceback, exit 0,
2 or 3 only, nothing on standard output when the form is refused. (Batch tables are fuzzed in
tests/test_batch_hostile.py, cases and frameworks in tests/test_fuzz_intake.py.)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.intake.yamlio import load

FORM = Path(__file__).parent.parent / "examples" / "chizhou-2022"
DATA = json.loads(json.dumps(load(FORM / "form.yaml").data, ensure_ascii=False, default=str))
runner = CliRunner()
# No shrinking: each example scores a whole form (a workbook takes seconds), and shrinking a failure
# could run for many minutes in CI; the failing example is printed as found.
BOUNDED = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                   phases=(Phase.explicit, Phase.generate))

# What a careless or hostile hand puts into a form: text of any kind, numbers written every way
# (signs, exponents, full-width digits, units, percent), huge and tiny numbers, wrong structures.
typed = st.text(alphabet="0123456789,.-+eE% ０１２３４５６７８９％≥≤><=万元个百分比①²", min_size=1, max_size=12)
scalars = st.one_of(
    st.text(max_size=20), typed, st.integers(min_value=-10**40, max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
    st.sampled_from(["1e309", "-0", "=1+1", "\u200b", "[/bold]", "nan", "inf", "9" * 40]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                      max_leaves=6)


def places(data) -> list[tuple]:
    """Every path to a value of the form: top-level fields, and each field of each row."""
    out: list[tuple] = []
    for key, value in data.items():
        out.append((key,))
        if isinstance(value, list):
            out += [(key, i, k) for i, row in enumerate(value) if isinstance(row, dict) for k in row]
        elif isinstance(value, dict):
            out += [(key, k) for k in value]
    return out


PLACES = places(DATA)


def check_score(path: Path) -> None:
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code in (0, 2, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stdout == "", "a refused form prints no score"


def spoiled(where: tuple, value):
    data = json.loads(json.dumps(DATA, ensure_ascii=False))
    target = data
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    return data


@BOUNDED
@given(where=st.sampled_from(PLACES), value=values, suffix=st.sampled_from([".yaml", ".json"]))
def test_a_text_form_with_one_value_spoiled(where, value, suffix, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("form")
    path = tmp / f"form{suffix}"
    # JSON is YAML flow syntax, so one writer serves both readers.
    path.write_text(json.dumps(spoiled(where, value), ensure_ascii=False), encoding="utf-8")
    check_score(path)


@BOUNDED
@given(where=st.sampled_from(PLACES), value=st.sampled_from([[], {}, None, 1e300, -1, "", "\x00"]),
       suffix=st.sampled_from([".yaml", ".json"]))
def test_a_text_form_with_a_structure_spoiled(where, value, suffix, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("form")
    path = tmp / f"form{suffix}"
    path.write_text(json.dumps(spoiled(where, value), ensure_ascii=False), encoding="utf-8")
    check_score(path)


def _cells() -> list[tuple[str, str]]:
    wb = load_workbook(FORM / "form.xlsx")
    return [(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


CELLS = _cells()
cell_values = st.one_of(scalars.filter(lambda v: not isinstance(v, float) or math.isfinite(v)),
                        st.sampled_from(["#DIV/0!", "=A1*2", "12/31/2020", "2020年2月30日", "67.25%", 0.6725]))


@BOUNDED
@given(cell=st.sampled_from(CELLS), value=cell_values)
def test_a_form_workbook_with_one_cell_spoiled(cell, value, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formxlsx")
    wb = load_workbook(FORM / "form.xlsx")
    sheet, ref = cell
    if isinstance(value, int) and abs(value) > 10**15:
        value = str(value)  # what a workbook can hold as a number is a float; the text is the hostile part
    try:
        wb[sheet][ref] = value
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses some characters itself: not a file jixiao can meet
        return
    path = tmp / "form.xlsx"
    wb.save(path)
    check_score(path)


@pytest.mark.parametrize("value", [{}, [], {"a": 1}])
def test_a_rate_given_as_a_mapping_or_a_list_is_refused_by_name(value, tmp_path):
    """Found by the structure fuzz above: 执行率 {} raised TypeError (exit 1, a traceback)."""
    path = tmp_path / "form.yaml"
    path.write_text(json.dumps(spoiled(("项目资金", 0, "执行率"), value), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2 and "执行率" in result.output and "E-IN-FORM-RATE" in result.output, result.output
