"""``jixiao db`` and ``jixiao user``: the store from the command line.

Every command takes ``--database URL`` (or ``JIXIAO_DATABASE_URL``; PostgreSQL for a shared
server) and ``--data DIR`` (default ``./jixiao-data``: the SQLite file, attachments, frozen
editions). Writes go through :mod:`jixiao.store.services` like the API's, and are audited as
``命令行（OS user）``. User mistakes print Chinese messages and exit 2; see ``docs/store.md``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

DB_HELP = "数据库地址，如 postgres://用户:密码@主机:5432/库名；默认用 --data 目录下的 SQLite"
DATA_HELP = "数据目录（SQLite 文件、佐证材料、冻结的指标体系），默认 ./jixiao-data"
CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")

db_app = typer.Typer(help="评价数据库：初始化、导入、导出、历年对比、排名。", no_args_is_help=True)
user_app = typer.Typer(help="用户与访问令牌。", no_args_is_help=True)

DatabaseOpt = typer.Option(None, "--database", envvar="JIXIAO_DATABASE_URL", help=DB_HELP, show_envvar=True)
DataOpt = typer.Option(None, "--data", envvar="JIXIAO_DATA", help=DATA_HELP)


def _err(message: str, problems: list | None = None) -> None:
    print(f"错误：{message}", file=sys.stderr)
    for p in problems or []:
        where = f"{p.get('where')} " if p.get("where") else ""
        print(f"  {'警告' if p.get('warning') else '错误'} {where}{p.get('message')} [{p.get('code')}]", file=sys.stderr)


def connect(database: str | None, data: Path | None, create: bool = False) -> None:
    """Configure Django; unless ``create`` (``db migrate``), refuse a store that was never set up."""
    from jixiao.server import setup

    data_dir = Path(data or os.environ.get("JIXIAO_DATA") or "jixiao-data")
    if not database:
        if create:
            data_dir.mkdir(parents=True, exist_ok=True)
        elif not (data_dir / "jixiao.sqlite3").is_file():
            _err(f"在“{data_dir}”中没有评价数据库；请先运行 jixiao db migrate --data {data_dir}，或用 --database 指定服务器")
            raise typer.Exit(2)
    setup(database_url=database, data_dir=data_dir)
    if not create:
        from django.db import connection
        from django.db.utils import Error

        try:
            tables = connection.introspection.table_names()
        except Error as exc:
            _err(f"无法连接数据库：{str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
            raise typer.Exit(2) from None
        if "store_evaluation" not in tables:
            _err("数据库尚未初始化：请先运行 jixiao db migrate")
            raise typer.Exit(2)


def run(fn):
    """Call ``fn``; a store error becomes a Chinese message and exit 2, never a traceback."""
    from jixiao.store.errors import StoreError

    try:
        return fn()
    except StoreError as exc:
        _err(exc.message, exc.problems)
        raise typer.Exit(2) from None


def _files(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in CASE_SUFFIXES
                          and not any(part.startswith(".") for part in q.relative_to(p).parts))
        elif p.is_file():
            out.append(p)
        else:
            _err(f"找不到文件或文件夹“{p}”")
            raise typer.Exit(2)
    return out


def _pts(x) -> str:
    from jixiao.core.numbers import round_half_up

    return "—" if x is None else f"{round_half_up(x):.2f}"


@db_app.command("migrate")
def migrate(database: str | None = DatabaseOpt, data: Path | None = DataOpt) -> None:
    """创建或升级数据库表（可重复运行）。"""
    connect(database, data, create=True)
    from django.core.management import call_command
    from django.db import connection
    from django.db.utils import Error

    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Error as exc:
        _err(f"无法初始化数据库：{str(exc).strip().splitlines()[0] if str(exc).strip() else exc}")
        raise typer.Exit(2) from None

    print(f"数据库已就绪：{connection.vendor}（{connection.settings_dict['NAME']}）")


@db_app.command("unit")
def unit(code: str = typer.Argument(..., help="单位编码"), name: str = typer.Argument(..., help="单位名称"),
         parent: str | None = typer.Option(None, "--parent", help="上级（主管部门或区划）编码"),
         database: str | None = DatabaseOpt, data: Path | None = DataOpt) -> None:
    """添加单位或主管部门（编码的上下级决定数据范围）。"""
    connect(database, data)
    from jixiao.store import services

    u = run(lambda: services.create_unit(actor=None, code=code, name=name, parent_code=parent))
    print(f"已添加单位 {u.code} {u.name}" + (f"（上级 {parent}）" if parent else ""))


@db_app.command("import")
def import_(files: list[Path] = typer.Argument(..., help="案例、自评表或工作簿文件，或包含它们的文件夹"),
            unit: str = typer.Option(..., "--unit", help="单位编码"),
            year: int | None = typer.Option(None, "--year", help="年度（文件中有年度时须一致）"),
            framework: str | None = typer.Option(None, "--framework", "-f", help="指标体系编号或文件"),
            workers: int = typer.Option(0, "--workers", "-j", min=0, max=64,
                                        help="评分进程数；0 为本机 CPU 核数（文件不足 64 个时只用一个进程）"),
            database: str | None = DatabaseOpt, data: Path | None = DataOpt) -> None:
    """导入案例：每个文件要么全部保存，要么不作任何改动。"""
    connect(database, data)
    from jixiao.store import bulk

    paths = _files(files)
    if not paths:
        _err("没有找到可导入的文件（.yaml、.yml、.json、.xlsx）")
        raise typer.Exit(2)
    ok = failed = same = 0
    outcomes = run(lambda: bulk.import_scored(actor=None, unit_code=unit, year=year,
                                              items=bulk.read_files(paths, framework, workers or os.cpu_count() or 1)))
    for p, o in zip(paths, outcomes):
        ev = o.evaluation
        if o.error is not None:
            failed += 1
            _err(f"{p}：{o.error.message}", o.error.problems)
        elif o.version is None:
            same += 1
            print(f"未变：{p} 与评价 {ev.id}（{ev.title} {ev.year}）第 {ev.current} 版相同")
        else:
            ok += 1
            print(f"已导入：{p} → 评价 {ev.id}（{ev.title} {ev.year}）第 {o.version} 版，总分 {_pts(o.total)}"
                  + (f"，等级 {o.grade}" if o.grade else ""))
    print(f"导入 {ok} 个，未变 {same} 个，失败 {failed} 个")
    if failed:
        raise typer.Exit(2)


@db_app.command("export")
def export(unit: str = typer.Option(..., "--unit", help="单位编码"), year: int = typer.Option(..., "--year", help="年度"),
           out: Path = typer.Option(..., "-o", "--output", help="输出文件夹"),
           format: str = typer.Option("yaml", "--format", help="yaml 或 json"),
           database: str | None = DatabaseOpt, data: Path | None = DataOpt) -> None:
    """把某单位某年度各评价的当前版本导出为案例文件（可再导入，内容相同）。"""
    if format not in ("yaml", "json"):
        _err(f"--format 只能是 yaml 或 json，实际为“{format}”")
        raise typer.Exit(2)
    connect(database, data)
    from jixiao.store import scoring, services
    from jixiao.store.models import Evaluation

    evs = list(Evaluation.objects.filter(unit__code=unit, year=year, current__gt=0).select_related("edition")
               .order_by("kind", "title"))
    if not evs:
        _err(f"单位“{unit}”在 {year} 年度没有已保存的评价")
        raise typer.Exit(2)
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for ev in evs:
        v = ev.versions.get(number=ev.current)
        stem = services.safe_name(f"{ev.year}-{ev.get_kind_display()}-{ev.title}").replace(" ", "_")
        name, n = f"{stem}.{format}", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.{format}"
        used.add(name)
        scoring.export_document(ev.kind, v.facts, out / name, services.edition_of(ev), services._frozen_dir())
        print(f"已导出：评价 {ev.id} 第 {v.number} 版 → {out / name}")


@db_app.command("history")
def history(unit: str = typer.Argument(..., help="单位编码"), database: str | None = DatabaseOpt,
            data: Path | None = DataOpt) -> None:
    """某单位历年评价并列：总分、等级、一级指标得分、与上年相比的变化。"""
    connect(database, data)
    from jixiao.store import reading
    from jixiao.store.models import Evaluation, Unit

    u = Unit.objects.filter(code=unit).first()
    if u is None:
        _err(f"找不到单位“{unit}”")
        raise typer.Exit(2)
    rows = reading.history(Evaluation.objects.filter(unit=u))
    if not rows:
        _err(f"单位“{unit}”还没有已保存的评价")
        raise typer.Exit(2)
    console = Console(width=170)
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["kind_label"], r["title"]), []).append(r)
    for (kind, title), rs in groups.items():
        names = list(dict.fromkeys(k for r in rs for k in r["level1"]))
        t = Table(title=f"{u.code} {u.name} · {kind} · {title}", title_justify="left")
        for col in ["年度", "总分", "等级", *names, "较上年", "状态"]:
            t.add_column(col, justify="left" if col in ("年度", "等级", "状态") else "right")
        for r in rs:
            change = "—" if r["change"] is None else f"{r['change']:+.2f}"
            t.add_row(str(r["year"]), _pts(r["total"]), r["grade"] or "—", *[_pts(r["level1"].get(n)) for n in names],
                      change, r["state"])
        console.print(t)


@db_app.command("rank")
def rank(year: int = typer.Option(..., "--year", help="年度"),
         edition: str | None = typer.Option(None, "--edition", help="指标体系版本编号或指纹前缀"),
         kind: str | None = typer.Option(None, "--kind", help="dept（部门整体自评）或 project（项目自评）"),
         limit: int = typer.Option(50, "--limit", help="最多列出多少名（等级分布仍按全部计算）"),
         database: str | None = DatabaseOpt, data: Path | None = DataOpt) -> None:
    """某年度评价按总分排名，并给出等级分布。"""
    connect(database, data)
    from jixiao.store import reading
    from jixiao.store.models import Evaluation

    if kind is not None and kind not in reading.RANKED:
        _err(f"--kind 只能是 dept（部门整体自评）或 project（项目自评），实际为“{kind}”：目标表和监控表没有总分，不参与排名")
        raise typer.Exit(2)
    r = reading.rank(Evaluation.objects.all(), year, edition, kind)
    if not r["count"]:
        _err(f"{year} 年度没有已保存的评价" + (f"（版本 {edition}）" if edition else ""))
        raise typer.Exit(2)
    t = Table(title=f"{year} 年度评价排名（共 {r['count']} 个）", title_justify="left")
    for col in ("名次", "单位", "名称", "类型", "总分", "等级", "状态"):
        t.add_column(col, justify="right" if col in ("名次", "总分") else "left")
    for row in r["rows"][:limit]:
        t.add_row(str(row["rank"]), f"{row['unit']} {row['unit_name']}", row["title"], row["kind"], _pts(row["total"]),
                  row["grade"] or "—", row["state"])
    console = Console(width=170)
    console.print(t)
    dist = "；".join(f"{g} {n} 个（{n / r['count']:.1%}）" for g, n in r["grades"].items())
    console.print(f"等级分布：{dist}")


@user_app.command("add")
def user_add(name: str = typer.Argument(..., help="用户名"),
             role: str = typer.Option(..., "--role", help="unit 单位填报、dept 主管部门审核、finance 财政绩效处、expert 专家/第三方、admin 管理员"),
             unit: str | None = typer.Option(None, "--unit", help="单位编码（unit、dept 必填；finance 为其区划）"),
             password: bool = typer.Option(False, "--password", help="交互输入登录密码（网页登录用）"),
             database: str | None = DatabaseOpt, data: Path | None = DataOpt) -> None:
    """添加用户并授予角色（已存在的用户则追加角色）。"""
    connect(database, data)
    from django.contrib.auth import get_user_model

    from jixiao.store import services
    from jixiao.store.models import Role

    aliases = {label: value for value, label in Role.choices}
    role = aliases.get(role, role)
    pw = typer.prompt("密码", hide_input=True, confirmation_prompt=True) if password else None
    if get_user_model().objects.filter(username=name).exists():
        run(lambda: services.grant_role(actor=None, username=name, role=role, unit_code=unit))
        print(f"已为用户 {name} 追加角色 {Role(role).label}" + (f"（{unit}）" if unit else ""))
        return
    run(lambda: services.create_user(actor=None, username=name, role=role, unit_code=unit, password=pw))
    print(f"已添加用户 {name}：{Role(role).label}" + (f"（{unit}）" if unit else ""))


@user_app.command("token")
def user_token(name: str = typer.Argument(..., help="用户名"), database: str | None = DatabaseOpt,
               data: Path | None = DataOpt) -> None:
    """为用户签发 API 访问令牌（只显示这一次，请妥善保存）。"""
    connect(database, data)
    from jixiao.store import services

    token = run(lambda: services.issue_token(actor=None, username=name))
    print(token)
    print("请妥善保存：令牌只显示这一次。用法：Authorization: Bearer <令牌>", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
