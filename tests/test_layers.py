"""The layer contract: the domain packages never import the web stack or the packages built on it.

core/, intake/, batch/ and reports/ are used by the CLI, the store and the web pages alike; the
store (jixiao.store, jixiao.server) and the web (jixiao.web) import them, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "jixiao"
DOMAIN = ["core", "io", "intake", "batch", "reports"]
FORBIDDEN = ("django", "ninja", "simple_history", "dj_database_url", "psycopg", "jixiao.store", "jixiao.server",
             "jixiao.web", "jixiao.cli")


def imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_stay_free_of_the_web_stack(package):
    bad = [f"{p.relative_to(SRC)}:{line} imports {name}"
           for p in sorted((SRC / package).rglob("*.py")) for line, name in imports(p)
           if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, "\n".join(bad)


def test_the_contract_can_fail():
    sample = SRC / "store" / "models.py"
    assert any(name.startswith("django") for _, name in imports(sample))
