"""The metric expression language (``jixiao.core.expr``): every node kind, the missing-value rules
(Kleene and/or, missing tests, zero division), ``present()``, chained comparisons, rendering, type
checking, and safety: everything outside the whitelisted subset is refused in Chinese, and nothing
is ever handed to ``eval``/``exec``/``compile``.
"""

from __future__ import annotations

import builtins
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.core import expr as E
from jixiao.core.expr import (
    Binary,
    Call,
    Compare,
    Cond,
    Const,
    ExpressionError,
    Fail,
    Logic,
    Missing,
    Ref,
    Unary,
    evaluate,
    parse,
    render,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def ev(text: str, **env):
    return evaluate(parse(text), env)


# --- parsing: every node kind ---------------------------------------------------------------

def test_numbers_become_floats_and_strings_and_booleans_stay():
    assert parse("3") == Const(3.0)
    assert isinstance(parse("3").value, float)
    assert parse("0.25") == Const(0.25)
    assert parse("'按规定公开'") == Const("按规定公开")
    assert parse("True") == Const(True) and parse("False") == Const(False)


def test_chinese_fact_names_are_refs():
    assert parse("调整预算数") == Ref("调整预算数")


def test_unary_minus_folds_into_a_constant_and_plus_disappears():
    assert parse("-2") == Const(-2.0)
    assert parse("+x") == Ref("x")
    assert parse("-x") == Unary("-", Ref("x"))
    assert parse("not x") == Unary("not", Ref("x"))


def test_binary_operators_keep_python_precedence_and_left_associativity():
    assert parse("a - b - c") == Binary("-", Binary("-", Ref("a"), Ref("b")), Ref("c"))
    assert parse("a + b * c") == Binary("+", Ref("a"), Binary("*", Ref("b"), Ref("c")))
    assert parse("(a + b) / c") == Binary("/", Binary("+", Ref("a"), Ref("b")), Ref("c"))


def test_comparisons_and_chains():
    assert parse("a <= b") == Compare("<=", Ref("a"), Ref("b"))
    chained = parse("0 <= x < 1")
    assert chained == Logic("and", (Compare("<=", Const(0.0), Ref("x")), Compare("<", Ref("x"), Const(1.0))))
    for op in ("<", "<=", ">", ">=", "==", "!="):
        assert parse(f"a {op} b") == Compare(op, Ref("a"), Ref("b"))


def test_logic_conditional_and_calls():
    assert parse("a and b and c") == Logic("and", (Ref("a"), Ref("b"), Ref("c")))
    assert parse("a or b") == Logic("or", (Ref("a"), Ref("b")))
    assert parse("a if t else b") == Cond(Ref("t"), Ref("a"), Ref("b"))
    assert parse("min(a, b, 1)") == Call("min", (Ref("a"), Ref("b"), Const(1.0)))
    assert parse("max(a, 0)") == Call("max", (Ref("a"), Const(0.0)))
    assert parse("abs(a - b)") == Call("abs", (Binary("-", Ref("a"), Ref("b")),))
    assert parse("present(x)") == Call("present", (Ref("x"),))


def test_numbers_and_whitespace_are_accepted_as_source():
    assert parse(5) == Const(5.0)
    assert parse("  a  ") == Ref("a")


def test_names_lists_every_fact_read_once():
    assert E.names(parse("a / (a + b) if present(c) else min(d, 1)")) == {"a", "b", "c", "d"}


# --- evaluation -------------------------------------------------------------------------------

def test_arithmetic_is_ieee_double_as_in_python():
    assert ev("(调整预算数 - 年初预算数) / 调整预算数", 年初预算数=21195.0, 调整预算数=25632.32) == \
        (25632.32 - 21195.0) / 25632.32
    assert ev("a * b + c", a=2.0, b=3.0, c=1.0) == 7.0
    assert ev("-a", a=2.0) == -2.0
    assert ev("abs(a - b)", a=1.0, b=3.0) == 2.0
    assert ev("min(a, b, c)", a=3.0, b=1.0, c=2.0) == 1.0
    assert ev("max(a, b, c)", a=3.0, b=1.0, c=2.0) == 3.0


def test_comparisons_of_numbers_and_of_text():
    assert ev("a >= b", a=1.0, b=1.0) is True
    assert ev("a > b", a=1.0, b=1.0) is False
    assert ev("a != b", a=1.0, b=2.0) is True
    assert ev("档 == '按规定公开'", 档="按规定公开") is True
    assert ev("档 != '未公开'", 档="未公开") is False


def test_chained_comparison_means_both_halves():
    for x, want in ((0.0, True), (0.5, True), (1.0, False), (-0.1, False)):
        assert ev("0 <= x < 1", x=x) is want


def test_a_missing_fact_makes_the_result_missing_with_its_name():
    assert ev("a + b", a=1.0) == Missing("MISSING:b")
    assert ev("-b") == Missing("MISSING:b")
    assert ev("not b") == Missing("MISSING:b")
    assert ev("min(a, b)", a=1.0) == Missing("MISSING:b")
    assert ev("a < b", a=1.0) == Missing("MISSING:b")


def test_the_first_reason_in_reading_order_is_kept():
    assert ev("a / b + c / d", a=1.0, b=0.0, c=1.0) == Missing("ZERO:b")
    assert ev("c / d + a / b", a=1.0, b=0.0, c=1.0) == Missing("MISSING:d")


def test_division_by_zero_is_missing_with_the_denominator_written_out():
    assert ev("a / b", a=1.0, b=0.0) == Missing("ZERO:b")
    assert ev("a / (b - c)", a=1.0, b=2.0, c=2.0) == Missing("ZERO:b − c")
    assert ev("a / (b + c)", a=0.0, b=0.0, c=0.0).reason.startswith("ZERO:")
    assert ev("a / b", a=0.0, b=-0.0) == Missing("ZERO:b")


def test_missing_env_values_pass_through_unchanged():
    assert ev("a * 2", a=Missing("ZERO:x")) == Missing("ZERO:x")


@pytest.mark.parametrize("a,b,want", [
    (True, True, True), (True, False, False), (False, True, False), (False, False, False),
    (False, None, False), (None, False, False), (True, None, "missing"), (None, True, "missing"),
    (None, None, "missing"),
])
def test_and_is_kleene(a, b, want):
    env = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    got = ev("a and b", **env)
    assert (isinstance(got, Missing) if want == "missing" else got is want)


@pytest.mark.parametrize("a,b,want", [
    (True, True, True), (True, False, True), (False, True, True), (False, False, False),
    (True, None, True), (None, True, True), (False, None, "missing"), (None, False, "missing"),
    (None, None, "missing"),
])
def test_or_is_kleene(a, b, want):
    env = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    got = ev("a or b", **env)
    assert (isinstance(got, Missing) if want == "missing" else got is want)


def test_logic_over_numbers_follows_truth_like_not_and_if():
    # A number counts by its truth, the same in ``and``/``or`` as in ``not`` and in ``if``.
    assert ev("0 and 1") is False
    assert ev("0 or 1") is True
    assert ev("2 and 1") is True
    assert ev("not 0") is True
    assert ev("'是' if 0 else '否'") == "否"


def test_logic_results_are_booleans():
    assert ev("a or b", a=False, b=False) is False
    assert ev("a and b", a=True, b=True) is True


def test_a_conditional_takes_the_branch_its_test_chooses_and_ignores_the_other():
    assert ev("a / b if b > 0 else 0", a=1.0, b=0.0) == 0.0
    assert ev("0 if b == 0 else a / b", a=1.0, b=2.0) == 0.5
    assert ev("1 if t else x", t=True) == 1.0  # x is missing but not needed


def test_a_conditional_whose_test_is_missing_is_missing():
    assert ev("1 if t else 2") == Missing("MISSING:t")
    assert ev("1 if a / b > 1 else 2", a=1.0, b=0.0) == Missing("ZERO:b")


def test_present_asks_whether_a_value_can_be_computed_and_is_never_missing():
    assert ev("present(x)") is False
    assert ev("present(x)", x=0.0) is True
    assert ev("present(a / b)", a=1.0, b=0.0) is False
    assert ev("x if present(x) else False") is False
    assert ev("x if present(x) else False", x=True) is True


def test_fail_is_missing_on_purpose():
    assert evaluate(Fail("QUAL_OUT_OF_BAND"), {}) == Missing("QUAL_OUT_OF_BAND")
    assert evaluate(Cond(Const(False), Const(1.0), Fail("X")), {}) == Missing("X")


def test_builders_make_the_same_tree_the_parser_makes():
    a, b = Ref("a"), Ref("b")
    assert E.add(a, b, E.const(1)) == parse("a + b + 1")
    assert E.sub(a, b) == parse("a - b") and E.mul(a, b) == parse("a * b") and E.div(a, b) == parse("a / b")
    assert E.lesser(a, b) == parse("min(a, b)") and E.greater(a, b) == parse("max(a, b)")
    assert E.where(a, b, E.const(0)) == parse("b if a else 0")
    assert E.any_of(a, b) == parse("a or b") and E.all_of(a, b) == parse("a and b")
    assert E.any_of(a) == a and E.all_of(b) == b
    assert E.cmp(">", a, b) == parse("a > b")
    assert E.const(1) == Const(1.0) and E.const(True) == Const(True)


# --- rendering --------------------------------------------------------------------------------

@pytest.mark.parametrize("source,shown", [
    ("(调整预算数 - 年初预算数) / 调整预算数", "(调整预算数 − 年初预算数) ÷ 调整预算数"),
    ("abs(a - b) / a", "|a − b| ÷ a"),
    ("a - (b - c)", "a − (b − c)"),
    ("a - b - c", "a − b − c"),
    ("a * (b + c)", "a × (b + c)"),
    ("a / (b * c)", "a ÷ (b × c)"),
    ("-(a + b)", "-(a + b)"),
    ("a <= b", "a ≤ b"),
    ("a >= b", "a ≥ b"),
    ("a != b", "a ≠ b"),
    ("a == 'x'", "a = “x”"),
    ("a and (b or c)", "a 且 (b 或 c)"),
    ("a or b and c", "a 或 b 且 c"),
    ("not a and b", "非 a 且 b"),
    ("not (a and b)", "非 (a 且 b)"),
    ("1 if t else 0", "（t 时取 1，否则取 0）"),
    ("min(a, 1)", "min(a, 1)"),
    ("present(x)", "present(x)"),
    ("True", "True"),
])
def test_render_writes_what_a_reader_writes(source, shown):
    assert render(parse(source)) == shown


@pytest.mark.parametrize("number,shown", [
    ("1234567", "1234567"), ("0.1", "0.1"), ("0.07", "0.07"), ("6279.26", "6279.26"),
    ("100", "100"), ("1e-7", "1e-07"), ("0.123456789", "0.123456789"),
])
def test_render_writes_constants_exactly(number, shown):
    # A trace and a ZERO: reason code must never show a rounded constant (1234567 is not 1.23457e+06).
    assert render(parse(f"x / {number}")) == f"x ÷ {shown}"
    assert float(render(parse(number))) == float(number)


def test_render_can_substitute_values_for_names():
    text = render(parse("(b - a) / b"), name=lambda r: {"a": "21,195.00", "b": "25,632.32"}[r.name])
    assert text == "(25,632.32 − 21,195.00) ÷ 25,632.32"


def test_render_of_a_fail_shows_its_code():
    assert render(Fail("QUAL_OUT_OF_BAND")) == "〈QUAL_OUT_OF_BAND〉"


# --- type checking (before any case is scored) ----------------------------------------------

KINDS = {"n": E.NUMBER, "m": E.NUMBER, "f": E.BOOL, "t": E.TEXT}


@pytest.mark.parametrize("source,kind", [
    ("n / m", E.NUMBER), ("n > m", E.BOOL), ("f and n > 1", E.BOOL), ("t == '好'", E.BOOL),
    ("min(n, 1)", E.NUMBER), ("present(t)", E.BOOL), ("f if present(f) else False", E.BOOL),
    ("n if f else 0", E.NUMBER), ("not f", E.BOOL), ("-n", E.NUMBER), ("'好'", E.TEXT),
])
def test_well_typed_expressions_have_a_kind_and_no_problems(source, kind):
    assert E.kind_of(parse(source), KINDS) == (kind, [])


@pytest.mark.parametrize("source", [
    "t / n", "n + f", "t > 1", "-t", "not n", "f and n", "n if t else 0", "t == 1", "n if f else '好'",
    "min(t, 1)", "abs(f)", "'a' * 3",
])
def test_ill_typed_expressions_are_found_in_chinese(source):
    _, problems = E.kind_of(parse(source), KINDS)
    assert problems and all(CJK.search(p) for p in problems), problems


def test_unknown_names_are_of_unknown_kind_and_not_reported_here():
    assert E.kind_of(parse("x / y"), {}) == (E.NUMBER, [])


# --- safety -----------------------------------------------------------------------------------

REFUSED = {
    "power": "2 ** 10",
    "power bomb": "9 ** 9 ** 9",
    "attribute": "a.b",
    "dunder attribute": "().__class__.__bases__",
    "subscript": "a[0]",
    "slice": "a[1:2]",
    "lambda": "lambda: 1",
    "list comprehension": "[x for x in a]",
    "generator": "sum(x for x in a)",
    "set comprehension": "{x for x in a}",
    "dict comprehension": "{x: 1 for x in a}",
    "list": "[1, 2]",
    "tuple": "(1, 2)",
    "dict": "{'a': 1}",
    "other call": "open('x')",
    "eval call": "eval('1')",
    "import": "__import__('os')",
    "keyword argument": "min(a, b, key=c)",
    "star argument": "min(*a)",
    "call of a call": "min(a, b)(1)",
    "walrus": "(x := 1)",
    "f-string": "f'{a}'",
    "bytes": "b'x'",
    "complex": "1j",
    "none": "None",
    "ellipsis": "...",
    "in": "a in b",
    "is": "a is b",
    "modulo": "a % b",
    "floor division": "a // b",
    "bit operators": "a & b",
    "shift": "a << 2",
    "invert": "~a",
    "min with one argument": "min(a)",
    "abs with two arguments": "abs(a, b)",
    "present with none": "present()",
    "statement": "x = 1",
    "two expressions": "a; b",
    "empty": "   ",
    "syntax error": "a +",
    "null byte": "a\x00",
    "huge integer": "1" + "0" * 400,
    "infinite float": "1e999",
    "over-long": "a + " * 200 + "a",
    "too many nodes": "+".join(["a"] * 150),
    "over-deep": "-(" * 60 + "a" + ")" * 60,
    "over-deep not": "not " * 60 + "a",
    "too many parentheses": "(" * 240 + "a" + ")" * 240,
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_everything_outside_the_language_is_refused_in_chinese(source):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    message = str(info.value)
    assert CJK.search(message), message
    assert "\x00" not in message


def test_power_is_named_in_its_message():
    with pytest.raises(ExpressionError, match=r"\*\*"):
        parse("a ** 2")


def test_limits_name_their_bound():
    with pytest.raises(ExpressionError, match=str(E.MAX_LENGTH)):
        parse("a" * (E.MAX_LENGTH + 1))
    with pytest.raises(ExpressionError, match=str(E.MAX_NODES)):
        parse("+".join(["a"] * 150))
    with pytest.raises(ExpressionError, match="嵌套过深"):
        parse("-(" * 60 + "a" + ")" * 60)


def test_just_under_the_limits_is_accepted():
    parse("a" * E.MAX_LENGTH)
    parse("-(" * 30 + "a" + ")" * 30)


def test_non_text_sources_are_refused():
    for bad in (None, True, [1], {"a": 1}):
        with pytest.raises(ExpressionError):
            parse(bad)


def test_nothing_is_ever_evaluated_by_python(monkeypatch):
    """Parse and evaluate a spread of expressions while eval/exec/compile are watched.

    ``ast.parse`` itself calls ``compile`` with ``PyCF_ONLY_AST`` (a syntax tree, no code object);
    any other use, or any ``eval``/``exec``, is recorded and fails the test.
    """
    import ast

    calls = []
    real_compile = builtins.compile

    def watch(name):
        def trap(*args, **kwargs):
            calls.append(name)
            raise RuntimeError(f"{name} called")
        return trap

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise RuntimeError("compile called for code")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", watch("eval"))
    monkeypatch.setattr(builtins, "exec", watch("exec"))
    monkeypatch.setattr(builtins, "compile", only_ast)
    results = []
    for source, env in [
        ("(调整预算数 - 年初预算数) / 调整预算数", {"年初预算数": 1.0, "调整预算数": 2.0}),
        ("1 if a > 0 and not b else min(a, 2)", {"a": 1.0, "b": False}),
        ("abs(a) + max(a, 0) - (1 if present(c) else 0)", {"a": -1.0}),
        ("0 <= a < 1 or a == 5", {"a": 5.0}),
    ]:
        results.append(evaluate(parse(source), env))
    refused = 0
    for source in ("__import__('os').system('true')", "open('/etc/passwd')", "(lambda: 1)()"):
        try:
            parse(source)
        except ExpressionError:
            refused += 1
    monkeypatch.undo()
    assert calls == []
    assert results == [0.5, 1.0, 1.0, True]
    assert refused == 3


def test_the_module_source_has_no_eval_exec_or_compile():
    from pathlib import Path

    text = Path(E.__file__).read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", ">>>")))
    assert not re.search(r"\b(eval|exec|compile)\s*\(", code)


def test_evaluate_refuses_what_is_not_a_node():
    with pytest.raises(TypeError):
        evaluate("a + b", {})  # a string is not a tree: evaluate never parses, let alone evals


# --- properties over random trees ---------------------------------------------------------------

NAMES = ("a", "b", "c")
numbers = st.sampled_from([0.0, 1.0, -1.0, 0.1, 0.9, 2.5, 1e6])
env_values = st.one_of(numbers, st.just(Missing("MISSING:x")))


def number_trees():
    leaves = st.one_of(numbers.map(Const), st.sampled_from(NAMES).map(Ref))

    def extend(children):
        tests = st.builds(Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children)
        return st.one_of(
            st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.builds(Unary, st.just("-"), children),
            st.builds(lambda f, xs: Call(f, tuple(xs)), st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)),
            st.builds(lambda x: Call("abs", (x,)), children),
            st.builds(Cond, st.one_of(tests, st.builds(lambda t: Logic("and", (t, t)), tests)), children, children),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(number_trees(), st.fixed_dictionaries({n: env_values for n in NAMES}))
def test_a_well_typed_number_tree_gives_a_number_or_a_reason_and_never_raises(tree, env):
    assert E.kind_of(tree, {n: E.NUMBER for n in NAMES}) == (E.NUMBER, [])
    got = evaluate(tree, env)
    assert isinstance(got, (float, Missing)), got
    if isinstance(got, Missing):
        assert re.match(r"^(MISSING|ZERO):", got.reason)
    assert evaluate(Call("present", (tree,)), env) is (not isinstance(got, Missing))


kleene = st.sampled_from([True, False, None])


@settings(max_examples=100, deadline=None)
@given(kleene, kleene)
def test_kleene_logic_keeps_de_morgan_and_commutes(a, b):
    env = {k: v for k, v in (("a", a), ("b", b)) if v is not None}

    def value(text):
        v = ev(text, **env)
        return None if isinstance(v, Missing) else v

    assert value("not (a and b)") == value("not a or not b")
    assert value("not (a or b)") == value("not a and not b")
    assert value("a and b") == value("b and a") and value("a or b") == value("b or a")
