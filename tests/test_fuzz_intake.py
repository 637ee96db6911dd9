"""Fuzzing the case and framework readers (issue 15, item 6), bounded in time for CI.

Hypothesis spoils the seed case and the shipped framework one value at a time (any text, any
structure, numbers written every way a keyboard allows) and asserts what jixiao promises: no
traceback, exit 0, 2 or 3 only, no output file when the input is refused, and no number accepted
that a person would not read as that number.
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput
from jixiao.intake.case import load_case
from jixiao.intake.framework import framework_path, load_framework
from jixiao.intake.values import BadValue, number, to_decimal

SEED = Path(__file__).parent.parent / "examples" / "shenzhen-sibao-2020"
SEED_YAML = (SEED / "case.yaml").read_text(encoding="utf-8")
SEED_JSON = json.loads((SEED / "case.json").read_text(encoding="utf-8"))
FRAMEWORK = framework_path("shenzhen-dept/2020").read_text(encoding="utf-8")
runner = CliRunner()
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# What people type into a number cell, and what slips in: full-width forms, circled and superscript
# digits, other scripts' digits, spaces of several widths, units, signs, exponents.
KEYS = "0123456789" + ",. -+eE%" + "０１２３４５６７８９，．％" + "①²³¹٣०" + "\u00a0\u3000\u2009" + "万亿元¥￥"
typed = st.text(alphabet=KEYS, min_size=1, max_size=14)

# A person's reading: an optional currency sign (and space: "¥ 0" is 0), ASCII or full-width digits,
# thousands grouped by three with commas or spaces, an optional decimal part and exponent, then an
# optional unit. Nothing else is a number.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: ord("¥")}
READING = re.compile(r"^(?:¥[ \u00a0\u2009]*)?([+-]?(?:\d{1,3}(?:[, \u00a0\u2009]\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+)?|[+-]?\.\d+(?:[eE][+-]?\d+)?)"
                     r"(亿元|万元|元|亿|万|%)?$", re.ASCII)


def person_reads(text: str) -> Decimal | None:
    t = text.translate(FOLD).strip()
    m = READING.match(t)
    if not m:
        return None
    try:
        return Decimal(re.sub(r"[, \u00a0\u2009]", "", m.group(1)))
    except InvalidOperation:
        return None


@FUZZ
@given(typed)
@example("¥ 0").via("found by this test in CI")
@example("¥￥5")
@example(".0E0").via("found by this test")
def test_no_number_is_read_that_a_person_would_not_read(text):
    parsed = to_decimal(text)
    if parsed is None:
        return
    expected = person_reads(text)
    assert expected is not None, f"{text!r} read as {parsed[0]}"
    assert parsed[0] == expected, text


@FUZZ
@given(typed)
@example("¥ 0").via("found by this test in CI")
@example("¥￥5")
def test_money_is_either_read_as_written_or_refused_with_a_code(text):
    try:
        value = number(text, "money", "万元", "万元")
    except BadValue as exc:
        assert exc.code.startswith("E-IN-") and str(exc)
        return
    assert person_reads(text) is not None and abs(value) <= Decimal("1e15")


# --- whole cases through the CLI ----------------------------------------------------------------

scalars = st.one_of(
    st.text(max_size=30), typed, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=8)
FACT_LINES = [i for i, line in enumerate(SEED_YAML.splitlines()) if re.match(r"^  \S+: ", line)]


def check_cli(path: Path, tmp: Path) -> None:
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code in (0, 2, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stdout == "", "a refused input prints no score"
    out = tmp / "out.xlsx"
    out.unlink(missing_ok=True)
    converted = runner.invoke(app, ["convert", str(path), str(out)])
    assert converted.exit_code in (0, 2), converted.output
    assert out.exists() == (converted.exit_code == 0)
    if converted.exit_code == 0 and result.exit_code in (0, 3):
        assert runner.invoke(app, ["score", str(out)]).exit_code == result.exit_code, "jixiao reads what it writes"


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(line=st.sampled_from(FACT_LINES), value=values)
def test_a_yaml_case_with_one_value_spoiled(line, value, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    lines = SEED_YAML.splitlines()
    key = lines[line].split(":", 1)[0]
    lines[line] = f"{key}: {json.dumps(value, ensure_ascii=False)}"  # JSON is YAML flow syntax
    path = tmp / "case.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check_cli(path, tmp)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(field=st.sampled_from(["subject", "year", "money_unit", "framework", "facts", "lists", "narrative", "stated"]), value=values)
@example(field="narrative", value={"": "0"}).via("found by this test")
def test_a_json_case_with_one_top_level_field_spoiled(field, value, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    data = dict(SEED_JSON)
    data[field] = value
    path = tmp / "case.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    check_cli(path, tmp)


# --- frameworks -------------------------------------------------------------------------------------

SCALAR_AT = [m.start(1) for m in re.finditer(r": ([^\s{\[#>][^,}\n]*)", FRAMEWORK)]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(at=st.sampled_from(SCALAR_AT), value=st.one_of(typed, st.text(max_size=20), st.sampled_from(["-1", "1e400", ".nan", "[]", "{}", "x" * 600])))
def test_a_framework_with_one_scalar_spoiled_loads_or_is_refused(at, value, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fw")
    end = FRAMEWORK.find("\n", at)
    line_end = FRAMEWORK[at:end]
    cut = min((i for i in (line_end.find(","), line_end.find("}")) if i >= 0), default=len(line_end))
    text = FRAMEWORK[:at] + json.dumps(value, ensure_ascii=False) + FRAMEWORK[at + cut:]
    path = tmp / "framework.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        fw = load_framework(path)
    except InvalidInput as exc:
        assert exc.problems and all(p.code.startswith(("E-FW-", "E-IN-")) for p in exc.problems)
        return
    case, _ = load_case(SEED / "case.yaml")
    evaluate(fw, case)  # what check-framework accepts, score evaluates


def test_the_reading_oracle_itself():
    assert person_reads("21,195.00") == Decimal("21195.00") and person_reads("２１ １９５万元") == Decimal(21195)
    for bad in ("21195²", "①", "2 1 1 9 5", "21,1950", "٣"):
        assert person_reads(bad) is None and to_decimal(bad) is None, bad
    assert unicodedata.normalize("NFKC", "²") == "2"  # why the reader no longer applies NFKC to numbers
