"""The metric expression language: a small, safe subset of Python expression syntax.

A framework file writes metrics such as ``(调整预算数 - 年初预算数) / 调整预算数``. They are parsed
once with :func:`ast.parse` into the immutable nodes below and never handed to ``eval``. The same
tree is then either walked here, one case at a time (:func:`evaluate`), or compiled by
``jixiao.batch`` to Polars expressions or SQL, one column at a time. Both walks follow the same
rules, so a traced case and a batch of a million give the same numbers:

* numbers are IEEE doubles; ``+ - * /`` as in Python;
* a missing fact makes the result missing, and so does a division by zero; the first reason (in
  reading order) is kept, e.g. ``MISSING:满意度`` or ``ZERO:调整预算数``;
* ``and``/``or`` follow three-valued (Kleene) logic, as SQL and Polars do:
  ``False and <missing>`` is ``False``;
* a conditional whose test is missing is missing.

Allowed: numbers, strings, ``True``/``False``, fact names, ``+ - * /``, unary ``-``, comparisons
(chains too), ``and or not``, ``a if test else b``, and the functions ``min``, ``max``, ``abs``.
Not allowed: ``**`` (``9**9**9`` never ends), attributes, subscripts, lambdas, comprehensions,
any other call. ``present(x)`` asks whether ``x`` can be computed. Length, node count and nesting
depth are capped. :func:`kind_of` finds, before any case is scored, where a text or a yes/no value
is used as a number (or the reverse), so a valid framework never meets a type error at run time.

>>> e = parse("(调整预算数 - 年初预算数) / 调整预算数")
>>> round(evaluate(e, {"年初预算数": 9000.0, "调整预算数": 10000.0}), 6)
0.1
>>> evaluate(e, {"年初预算数": 0.0, "调整预算数": 0.0})
Missing(reason='ZERO:调整预算数')
>>> sorted(names(e))
['年初预算数', '调整预算数']
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union, cast

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 40
FUNCTIONS = {"min": (2, None), "max": (2, None), "abs": (1, 1), "present": (1, 1)}


class ExpressionError(ValueError):
    """A metric expression that is not in the language. The message is Chinese, for the user."""


@dataclass(frozen=True)
class Missing:
    """A value that cannot be computed, with the first reason why (a stable code)."""

    reason: str


Value = Union[float, bool, str, Missing]


def number(v: Value) -> float:
    """A value that :func:`kind_of` proved a number (or that is known present), typed as one.

    A rule's trace reads the parts of a scored tree: none is missing and each has the kind the
    framework checks gave it. Anything else is a defect, so it raises rather than guess.

    >>> number(2.5), number(3)
    (2.5, 3.0)
    >>> number(Missing("MISSING:a"))
    Traceback (most recent call last):
    ...
    TypeError: expected a number, got Missing(reason='MISSING:a')
    """
    if isinstance(v, (int, float)):  # a yes/no is an int in Python; kind_of keeps it out of arithmetic
        return float(v)
    raise TypeError(f"expected a number, got {v!r}")


def text(v: Value) -> str:
    """A value known to be text (a grade word, a level), typed as one."""
    if isinstance(v, str):
        return v
    raise TypeError(f"expected text, got {v!r}")


@dataclass(frozen=True, eq=False)
class Const:
    """A literal. ``True`` and ``1.0`` are different constants (Python calls them equal).

    Compilers and caches share the work of equal subtrees, so equality must mean "computes the
    same value": a yes/no constant never equals a number, however Python compares them.

    >>> Const(False) == Const(0.0), Const(1) == Const(1.0), Binary("+", Const(True), Ref("a")) == Binary("+", Const(1.0), Ref("a"))
    (False, True, False)
    """

    value: float | bool | str

    def _key(self) -> tuple:
        v = self.value
        kind = "bool" if isinstance(v, bool) else "text" if isinstance(v, str) else "number"
        return (kind, v)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Const) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "not"
    operand: "Node"


@dataclass(frozen=True)
class Binary:
    op: str  # + - * /
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Compare:
    op: str  # < <= > >= == !=
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Logic:
    op: str  # "and" or "or"
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Cond:
    test: "Node"
    then: "Node"
    other: "Node"


@dataclass(frozen=True)
class Fail:
    """A value that is missing on purpose, with a reason code (a score outside its band, say)."""

    reason: str


@dataclass(frozen=True)
class Call:
    fn: str  # min, max, abs; present(x) is True when x can be computed, and is never missing
    args: tuple["Node", ...]


Node = Union[Const, Ref, Unary, Binary, Compare, Logic, Cond, Call, Fail]

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def parse(source: str) -> Node:
    """Parse one metric expression, or raise :class:`ExpressionError` in Chinese."""
    if not isinstance(source, (str, int, float)) or isinstance(source, bool):
        raise ExpressionError(f"表达式应为文字或数字，实际为 {type(source).__name__}")
    return _parse(source)


@functools.lru_cache(maxsize=4096, typed=True)
def _parse(source: str | float) -> Node:
    # Remembered by its text and type: a framework's formulas are parsed again by every case's
    # checks, and the trees are immutable, so sharing them is safe.
    text = str(source).strip()
    if not text:
        raise ExpressionError("表达式为空")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"表达式过长（{len(text)} 字符，上限 {MAX_LENGTH}）")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            raise ExpressionError("表达式嵌套过深（括号层数过多）") from None
        near = f"（第 {exc.offset} 个字符附近）" if exc.offset else ""
        shown = "".join(c if c.isprintable() else "�" for c in text)
        raise ExpressionError(f"表达式“{shown}”语法错误{near}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"表达式嵌套过深或无法解析（上限 {MAX_DEPTH} 层）") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError(f"表达式过于复杂（{count} 个节点，上限 {MAX_NODES}）")
    if _depth(tree.body) > MAX_DEPTH:
        raise ExpressionError(f"表达式嵌套过深（超过 {MAX_DEPTH} 层）")
    return _convert(tree.body, text)


def _depth(n: ast.AST) -> int:
    return 1 + max((_depth(c) for c in ast.iter_child_nodes(n)), default=0)


def _convert(n: ast.AST, text: str) -> Node:
    if isinstance(n, ast.Constant) and isinstance(n.value, (bool, int, float, str)):
        v = n.value
        if isinstance(v, (bool, str)):
            return Const(v)
        try:
            number = float(v)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ExpressionError(f"表达式中的数字“{ast.get_source_segment(text, n)}”过大")
        return Const(number)
    if isinstance(n, ast.Name):
        return Ref(n.id)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
        inner = _convert(n.operand, text)
        if isinstance(inner, Const) and isinstance(inner.value, float):
            return Const(-inner.value)
        return Unary("-", inner)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.UAdd):
        return _convert(n.operand, text)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
        return Unary("not", _convert(n.operand, text))
    if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
        return Binary(_BINOPS[type(n.op)], _convert(n.left, text), _convert(n.right, text))
    if isinstance(n, ast.BoolOp):
        return Logic("and" if isinstance(n.op, ast.And) else "or", tuple(_convert(v, text) for v in n.values))
    if isinstance(n, ast.Compare) and all(type(op) in _CMPOPS for op in n.ops):
        operands = [_convert(n.left, text)] + [_convert(c, text) for c in n.comparators]
        parts = tuple(
            Compare(_CMPOPS[type(op)], operands[i], operands[i + 1]) for i, op in enumerate(n.ops)
        )
        return parts[0] if len(parts) == 1 else Logic("and", parts)
    if isinstance(n, ast.IfExp):
        return Cond(_convert(n.test, text), _convert(n.body, text), _convert(n.orelse, text))
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in FUNCTIONS and not n.keywords:
        lo, hi = FUNCTIONS[n.func.id]
        if len(n.args) < lo or (hi is not None and len(n.args) > hi):
            raise ExpressionError(f"函数 {n.func.id} 的参数个数不对：“{text}”")
        return Call(n.func.id, tuple(_convert(a, text) for a in n.args))
    what = ast.get_source_segment(text, n) or type(n).__name__
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow):
        raise ExpressionError(f"表达式不支持乘方 **：“{what}”")
    raise ExpressionError(f"表达式中“{what}”不被支持（只允许四则运算、比较、and/or/not、if-else、min/max/abs）")


def names(node: Node) -> set[str]:
    """Every fact name the expression reads."""
    return {n.name for n in walk(node) if isinstance(n, Ref)}


NUMBER, BOOL, TEXT = "数值", "是/否", "文字"


def kind_of(node: Node, kinds: Mapping[str, str]) -> tuple[str, list[str]]:
    """The kind of value an expression yields (:data:`NUMBER`, :data:`BOOL` or :data:`TEXT`; ``""``
    when it cannot be known) and a Chinese sentence for every place a value of the wrong kind is used.

    ``kinds`` gives the kind of each fact; a name it lacks is of unknown kind (reported elsewhere).
    Arithmetic, ``min``/``max``/``abs`` and ``< <= > >=`` need numbers; ``and``/``or``/``not`` and the
    test of ``if`` need yes/no; ``==``/``!=`` and the two branches of ``if`` need the same kind.

    >>> kind_of(parse("a / b"), {"a": NUMBER, "b": TEXT})[1]
    ['“a ÷ b”中的“b”是文字，此处需要数值']
    >>> kind_of(parse("x if present(x) else False"), {"x": BOOL})
    ('是/否', [])
    """
    problems: list[str] = []

    def need(n: Node, want: str, where: Node) -> None:
        got = visit(n)
        if got and got != want:
            problems.append(f"“{render(where)}”中的“{render(n)}”是{got}，此处需要{want}")

    def visit(n: Node) -> str:
        if isinstance(n, Const):
            return BOOL if isinstance(n.value, bool) else TEXT if isinstance(n.value, str) else NUMBER
        if isinstance(n, Ref):
            return kinds.get(n.name, "")
        if isinstance(n, Fail):
            return ""
        if isinstance(n, Unary):
            want = BOOL if n.op == "not" else NUMBER
            need(n.operand, want, n)
            return want
        if isinstance(n, Binary):
            need(n.left, NUMBER, n)
            need(n.right, NUMBER, n)
            return NUMBER
        if isinstance(n, Compare):
            if n.op in ("==", "!="):
                a, b = visit(n.left), visit(n.right)
                if a and b and a != b:
                    problems.append(f"“{render(n)}”两边一个是{a}、一个是{b}，无法比较")
            else:
                need(n.left, NUMBER, n)
                need(n.right, NUMBER, n)
            return BOOL
        if isinstance(n, Logic):
            for item in n.items:
                need(item, BOOL, n)
            return BOOL
        if isinstance(n, Cond):
            need(n.test, BOOL, n)
            a, b = visit(n.then), visit(n.other)
            if a and b and a != b:
                problems.append(f"“{render(n)}”两个分支一个是{a}、一个是{b}，须为同一类")
            return a or b
        if n.fn == "present":
            visit(n.args[0])
            return BOOL
        for arg in n.args:
            need(arg, NUMBER, n)
        return NUMBER

    return visit(node), problems


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, (Binary, Compare)):
        return (node.left, node.right)
    if isinstance(node, (Logic,)):
        return node.items
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Cond):
        return (node.test, node.then, node.other)
    return ()


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}
_SHOW = {"-": "−", "*": "×", "/": "÷", "<=": "≤", ">=": "≥", "!=": "≠", "==": "="}


def render(node: Node, parent: int = 0, name: Callable[[Ref], str] | None = None) -> str:
    """The expression as a reader writes it: ``(调整预算数 - 年初预算数) ÷ 调整预算数``.

    ``name`` may replace each fact name, e.g. by its value, to show the figures in a trace.
    """
    if name is not None and isinstance(node, Ref):
        return name(node)
    if isinstance(node, Const):
        v = node.value
        if isinstance(v, float):
            return repr(v).removesuffix(".0")  # the shortest text that reads back as the same number
        return f"“{v}”" if isinstance(v, str) else str(v)
    if isinstance(node, Ref):
        return node.name
    if isinstance(node, Fail):
        return f"〈{node.reason}〉"
    if isinstance(node, Unary):
        p = _PRECEDENCE["neg" if node.op == "-" else "not"]
        text = ("-" if node.op == "-" else "非 ") + render(node.operand, p, name)
    elif isinstance(node, Binary):
        p = _PRECEDENCE[node.op]
        text = f"{render(node.left, p, name)} {_SHOW.get(node.op, node.op)} {render(node.right, p + 1, name)}"
    elif isinstance(node, Compare):
        p = _PRECEDENCE["cmp"]
        text = f"{render(node.left, p + 1, name)} {_SHOW.get(node.op, node.op)} {render(node.right, p + 1, name)}"
    elif isinstance(node, Logic):
        p = _PRECEDENCE[node.op]
        word = " 且 " if node.op == "and" else " 或 "
        text = word.join(render(i, p + 1, name) for i in node.items)
    elif isinstance(node, Cond):
        return f"（{render(node.test, 0, name)} 时取 {render(node.then, 0, name)}，否则取 {render(node.other, 0, name)}）"
    else:
        if node.fn == "abs":
            return f"|{render(node.args[0], 0, name)}|"
        return f"{node.fn}({', '.join(render(a, 0, name) for a in node.args)})"
    return f"({text})" if p < parent else text


def evaluate(node: Node, env: Mapping[str, Value]) -> Value:
    """Walk the tree for one case. ``env`` maps fact names to values (``Missing`` if absent)."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Ref):
        return env.get(node.name, Missing(f"MISSING:{node.name}"))
    if isinstance(node, Fail):
        return Missing(node.reason)
    if isinstance(node, Unary):
        v = evaluate(node.operand, env)
        if isinstance(v, Missing):
            return v
        # kind_of proves the operand of "-" a number and the framework checks refuse a framework
        # that fails it; the casts say so to the type checker without a run-time cost or check.
        return (not v) if node.op == "not" else -cast(float, v)
    if isinstance(node, (Binary, Compare)):
        a = evaluate(node.left, env)
        if isinstance(a, Missing):
            return a
        b = evaluate(node.right, env)
        if isinstance(b, Missing):
            return b
        if isinstance(node, Compare):
            return _compare(node.op, a, b)
        x, y = cast(float, a), cast(float, b)  # numbers, by kind_of (see the unary minus)
        if node.op == "/":
            if y == 0:
                return Missing(f"ZERO:{render(node.right)}")
            return x / y
        return x + y if node.op == "+" else x - y if node.op == "-" else x * y
    if isinstance(node, Logic):
        # A non-missing operand counts by its truth, as in a test of ``not`` or ``if``.
        values = [v if isinstance(v, Missing) else bool(v) for v in (evaluate(i, env) for i in node.items)]
        decisive = node.op == "or"  # True decides an "or", False decides an "and"
        if any(v is decisive for v in values if not isinstance(v, Missing)):
            return decisive
        missing = next((v for v in values if isinstance(v, Missing)), None)
        return missing if missing is not None else (not decisive)
    if isinstance(node, Cond):
        t = evaluate(node.test, env)
        if isinstance(t, Missing):
            return t
        return evaluate(node.then if t else node.other, env)
    if isinstance(node, Call):
        if node.fn == "present":
            return not isinstance(evaluate(node.args[0], env), Missing)
        got = [evaluate(a, env) for a in node.args]
        missing = next((v for v in got if isinstance(v, Missing)), None)
        if missing is not None:
            return missing
        numbers = cast(list[float], got)  # min, max and abs take numbers, by kind_of
        if node.fn == "abs":
            return abs(numbers[0])
        return min(numbers) if node.fn == "min" else max(numbers)
    raise TypeError(f"not an expression node: {node!r}")


Compiled = Callable[[Mapping[str, Value]], Value]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
    "<": lambda x, y: x < y, "<=": lambda x, y: x <= y, ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y, "==": lambda x, y: x == y, "!=": lambda x, y: x != y,
}


def _divide(zero: Missing) -> Callable[[Any, Any], Any]:
    """IEEE division, except that ÷ 0 is missing with the denominator written out, as in evaluate."""
    return lambda x, y: zero if y == 0 else x / y


def compile_tree(node: Node) -> Compiled:
    """The tree as one Python function of ``env``, computing exactly what :func:`evaluate` does.

    :func:`evaluate` decides what each node is every time it meets it; a form's line trees have
    a few hundred nodes and a store import scores hundreds of thousands of lines, so the decision
    is made once here and each node becomes a closure over its children. Same reasons for missing
    values, same first reason kept, same Kleene logic (property-tested against :func:`evaluate`).

    >>> f = compile_tree(parse("(调整预算数 - 年初预算数) / 调整预算数"))
    >>> round(f({"年初预算数": 9000.0, "调整预算数": 10000.0}), 6), f({"年初预算数": 0.0, "调整预算数": 0.0})
    (0.1, Missing(reason='ZERO:调整预算数'))
    """
    if isinstance(node, Const):
        value = node.value
        return lambda env: value
    if isinstance(node, Ref):
        name, absent = node.name, Missing(f"MISSING:{node.name}")
        return lambda env: env.get(name, absent)
    if isinstance(node, Fail):
        failed = Missing(node.reason)
        return lambda env: failed
    if isinstance(node, Unary):
        operand = compile_tree(node.operand)
        if node.op == "not":
            return lambda env: v if isinstance(v := operand(env), Missing) else (not v)
        return lambda env: v if isinstance(v := operand(env), Missing) else -cast(float, v)
    if isinstance(node, (Binary, Compare)):
        left, right = compile_tree(node.left), compile_tree(node.right)
        op = _OPS.get(node.op) or _divide(Missing(f"ZERO:{render(node.right)}"))
        if isinstance(node.right, Const):
            # A constant operand (a grade word, a band edge, 0) is never missing: one call fewer.
            const_right = node.right.value

            def with_const(env: Mapping[str, Value]) -> Value:
                a = left(env)
                return a if isinstance(a, Missing) else op(a, const_right)
            return with_const

        def binary(env: Mapping[str, Value]) -> Value:
            a = left(env)
            if isinstance(a, Missing):
                return a
            b = right(env)
            if isinstance(b, Missing):
                return b
            return op(a, b)
        return binary
    if isinstance(node, Logic):
        items = tuple(compile_tree(i) for i in node.items)
        decisive = node.op == "or"

        def logic(env: Mapping[str, Value]) -> Value:
            # One deciding operand decides, whatever the others are (operands have no effects,
            # so the rest need not be computed); else the first missing reason in reading order.
            missing: Missing | None = None
            for item in items:
                v = item(env)
                if isinstance(v, Missing):
                    if missing is None:
                        missing = v
                elif bool(v) is decisive:
                    return decisive
            return missing if missing is not None else (not decisive)
        return logic
    if isinstance(node, Cond):
        test, then, other = compile_tree(node.test), compile_tree(node.then), compile_tree(node.other)

        def cond(env: Mapping[str, Value]) -> Value:
            t = test(env)
            if isinstance(t, Missing):
                return t
            return then(env) if t else other(env)
        return cond
    if isinstance(node, Call):
        args = tuple(compile_tree(a) for a in node.args)
        if node.fn == "present":
            only = args[0]
            return lambda env: not isinstance(only(env), Missing)
        fn = cast(Callable[..., float], {"abs": abs, "min": min, "max": max}[node.fn])

        def call(env: Mapping[str, Value]) -> Value:
            got = [a(env) for a in args]
            for v in got:
                if isinstance(v, Missing):
                    return v
            return fn(*got)
        return call
    raise TypeError(f"not an expression node: {node!r}")


def _compare(op: str, a: Any, b: Any) -> bool:
    # Any: == and != compare values of one kind (numbers, yes/no or texts); the ordering ones, numbers.
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    return a != b


# Builders used by rule kinds to lower themselves into the same tree the parser makes.

def const(v: float | bool | str) -> Const:
    return Const(float(v) if isinstance(v, int) and not isinstance(v, bool) else v)


def add(*terms: Node) -> Node:
    out = terms[0]
    for t in terms[1:]:
        out = Binary("+", out, t)
    return out


def sub(a: Node, b: Node) -> Node:
    return Binary("-", a, b)


def mul(a: Node, b: Node) -> Node:
    return Binary("*", a, b)


def div(a: Node, b: Node) -> Node:
    return Binary("/", a, b)


def lesser(*args: Node) -> Node:
    return Call("min", tuple(args))


def greater(*args: Node) -> Node:
    return Call("max", tuple(args))


def where(test: Node, then: Node, other: Node) -> Node:
    return Cond(test, then, other)


def any_of(*tests: Node) -> Node:
    return tests[0] if len(tests) == 1 else Logic("or", tuple(tests))


def all_of(*tests: Node) -> Node:
    return tests[0] if len(tests) == 1 else Logic("and", tuple(tests))


def cmp(op: str, a: Node, b: Node) -> Node:
    return Compare(op, a, b)
