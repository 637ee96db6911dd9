"""The YAML reader (libyaml's parser, YAML 1.2 core schema resolved in jixiao.intake.yamlcore)
gives what ruamel.yaml's round-trip loader — the reader it replaced — gives: the same values of the
same types, the same line for every key and item, the same refusals."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from jixiao.core.errors import InvalidInput
from jixiao.intake.yamlio import load

# Plain scalars whose meaning depends on the schema (YAML 1.1 and 1.2 differ on several).
SPELLINGS = ["true", "True", "FALSE", "yes", "No", "on", "off", "y", "~", "null", "Null", "NULL", "",
             "0", "-0", "+7", "0777", "0o17", "0x1F", "0b101", "1_000", "12:30", "1:20:30",
             "21195.00", "21195.0", "-0.50", "+1.5", ".5", "5.", "1e3", "1.5e-3", "1E+2", "-.inf", ".Inf", ".nan",
             "2021-12-31", "2021-1-2 3:04:05", "2021-12-31T10:00:00Z", "2021-13-45x",
             "100%", "1,000", "１２", "预算执行率", "a b", "\\d", "<<x", "x-y", "#x"]


def reference(text: str, exact: bool):
    """ruamel.yaml's round-trip loader, as jixiao read YAML until December 2026."""
    doc = YAML(typ="rt").load(text)
    lines: dict = {}

    def plain(node, here):
        if isinstance(node, CommentedMap):
            out = {}
            for k, v in node.items():
                lines[here + (k,)] = node.lc.key(k)[0] + 1
                out[k] = plain(v, here + (k,))
            return out
        if isinstance(node, CommentedSeq):
            out_list = []
            for i, v in enumerate(node):
                lines[here + (i,)] = node.lc.item(i)[0] + 1
                out_list.append(plain(v, here + (i,)))
            return out_list
        if isinstance(node, str):
            return str(node)
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return _exact(node) if exact else float(node)
        return node

    return plain(doc, ()), lines


def _exact(node):
    width, dot = getattr(node, "_width", None), getattr(node, "_prec", None)
    if getattr(node, "_exp", None) is None and isinstance(width, int) and isinstance(dot, int) and 0 <= dot < width:
        return Decimal(f"{float(node):.{width - dot - 1}f}")
    value = float(node)
    return Decimal(repr(value)) if math.isfinite(value) else value


def same(a, b) -> bool:
    """Equal values of equal types (True is not 1, Decimal('1.0') is not 1.0, NaN equals NaN)."""
    if type(a) is not type(b) and not (isinstance(a, date) and isinstance(b, date)):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, Decimal):
        return a == b and str(a) == str(b)
    return a == b


def scalar():
    return st.one_of(st.sampled_from(SPELLINGS),
                     st.sampled_from(SPELLINGS).map(lambda s: '"' + s.replace("\\", "\\\\") + '"'),
                     st.sampled_from(SPELLINGS).map(lambda s: "'" + s.replace("'", "''") + "'"))


def block(depth: int):
    leaf = scalar()
    if depth == 0:
        return leaf.map(lambda s: ("scalar", s))
    inner = block(depth - 1)
    return st.one_of(
        leaf.map(lambda s: ("scalar", s)),
        st.lists(inner, min_size=1, max_size=4).map(lambda xs: ("seq", xs)),
        st.lists(inner, min_size=1, max_size=4).map(lambda xs: ("map", xs)),
        st.lists(leaf, min_size=0, max_size=3).map(lambda xs: ("flow", xs)),
    )


def render(node, indent: int = 0) -> list[str]:
    """A node as YAML lines under a key or item at ``indent``: [first-line suffix, more lines…]."""
    kind, value = node
    pad = " " * (indent + 2)
    if kind == "scalar":
        return [" " + value if value else ""]
    if kind == "flow":
        return [" [" + ", ".join(v if v and not v.startswith("#") else f'"{v}"' for v in value) + "]"]
    out = [""]
    for i, child in enumerate(value):
        head = f"{pad}- " if kind == "seq" else f"{pad}键{i}:"
        sub = render(child, indent + 2)
        if kind == "seq" and child[0] in ("seq", "map"):
            out.append(f"{pad}-")
        else:
            out.append(head + (sub[0] if kind == "map" else sub[0].lstrip() or '""'))
            sub = sub[1:]
            out.extend(sub)
            continue
        out.extend(sub[1:])
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(block(3), min_size=1, max_size=5), st.booleans())
def test_the_reader_gives_what_ruamel_gave(tmp_path_factory, items, exact):
    text = "\n".join(f"项{i}:" + "\n".join(render(node)) for i, node in enumerate(items)) + "\n"
    path = tmp_path_factory.mktemp("y") / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        want, want_lines = reference(text, exact)
    except Exception:  # ruamel refused it (an invalid date, …): so must the reader
        with pytest.raises(InvalidInput):
            load(path, exact=exact)
        return
    got = load(path, exact=exact)
    assert same(got.data, want), (text, got.data, want)
    assert got.lines == want_lines, text


@pytest.mark.parametrize("text, value", [
    ("a: yes", "yes"), ("a: on", "on"), ("a: 0777", 777), ("a: 0o17", 15), ("a: 0x1F", 31), ("a: 1_000", 1000),
    ("a: 12:30", "12:30"), ("a: ~", None), ("a:", None), ("a: 2021-12-31", date(2021, 12, 31)),
    ("a: =", "="),  # ruamel's "value" tag, which the old reader refused: text now
    ("a: !!str 12", "12"), ("a: '12'", "12"), ("a: |\n  多行\n  文字\n", "多行\n文字\n"), ("a: .5", 0.5),
])
def test_scalars_by_the_yaml_1_2_core_schema(tmp_path, text, value):
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    got = load(path).data["a"]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text, exact", [("a: 21195.00", "21195.00"), ("a: -0.50", "-0.50"), ("a: 1e3", "1000.0"),
                                         ("a: 5.", "5"), ("a: 3", None)])
def test_exact_numbers_keep_their_written_decimals(tmp_path, text, exact):
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    got = load(path, exact=True).data["a"]
    assert (str(got) == exact and isinstance(got, Decimal)) if exact else got == 3 and type(got) is int


@pytest.mark.parametrize("text, code, line", [
    ("a: 1\nb: 2\na: 3\n", "E-IN-YAML", 3),                     # a key written twice
    ("a: 1\n---\nb: 2\n", "E-IN-YAML", 2),                       # a second document
    ("a: *nowhere\n", "E-IN-YAML", 1),                           # an alias with no anchor
    ("a: !!python/object:os.system x\n", "E-IN-YAML-TAG", 1),
    ("a: !!int twelve\n", "E-IN-YAML-TAG", 1),                    # a tag its value does not fit
    ("a: !!str [1, 2]\n", "E-IN-YAML-TAG", 1),                    # a scalar tag on a list
    ("a: &x [1, *x]\n", "E-IN-YAML-BOMB", None),                  # an alias inside its own anchor
    ("a:\n  - 1\n - 2\n", "E-IN-YAML", 3),                        # bad indentation
    ('a: "\\ud800"\n', "E-IN-CHAR", 1),
    ("2021-01-01: x\n", "E-IN-YAML-TAG", None),                   # a date is no key
])
def test_refusals_name_the_line(tmp_path, text, code, line):
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load(path)
    problem = err.value.problems[0]
    assert problem.code == code, problem
    if line:
        assert str(problem.where).endswith(f":{line}"), problem
