"""The ``jixiao`` command. Each command group lives in its own module and registers itself here.

User mistakes (:class:`~jixiao.core.errors.InvalidInput`) are printed as Chinese messages with
their places and exit with status 2; only internal bugs show a traceback.
"""

from __future__ import annotations

import sys

from jixiao.batch.allocator import set_allocators

# Before any command imports Polars or pyarrow: their allocators read the settings once, when loaded.
set_allocators()

import typer  # noqa: E402

from jixiao.core.errors import InvalidInput  # noqa: E402

app = typer.Typer(
    name="jixiao",
    help="绩效：预算绩效评价规则即代码——指标体系、评分留痕、评价报告。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(exc: InvalidInput) -> None:
    """Print every problem of a user's input and exit 2."""
    err = sys.stderr
    errors = [p for p in exc.problems if not p.is_warning]
    print(f"错误：{exc.title}（{len(errors)} 处）", file=err)
    for p in exc.problems:
        print(f"  {'警告' if p.is_warning else '错误'} {p}", file=err)
    raise typer.Exit(2)


def warn(problems) -> None:
    for p in problems:
        print(f"警告 {p}", file=sys.stderr)


# Each command group registers itself, in the order `jixiao --help` lists them. Imported after
# `app`, `fail` and `warn` exist, since the groups import those from here.
from jixiao.cli import batch as _batch  # noqa: E402
from jixiao.cli import db as _db  # noqa: E402
from jixiao.cli import db_cycle as _db_cycle  # noqa: E402
from jixiao.cli import intake as _intake  # noqa: E402
from jixiao.cli import report as _report  # noqa: E402
from jixiao.cli import score as _score  # noqa: E402
from jixiao.cli import serve as _serve  # noqa: E402

for _group in (_score, _intake, _report, _batch, _db, _db_cycle, _serve):
    _group.register(app)


def main() -> None:
    app()
