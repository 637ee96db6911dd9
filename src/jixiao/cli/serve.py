"""``jixiao serve``: the web pages and the API under a production WSGI server.

One process (waitress, threads) by default. Python runs one thread at a time in a process, so a
shared server with several cores serves more people with ``--workers N``: N processes under
gunicorn (Linux), each with its threads. Static files are served by WhiteNoise from the package
itself, so there is nothing to collect. DEBUG is never on here, whatever the environment says: a
traceback page is not for users.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer

DEMO_MARK = ".jixiao-demo"
DEFAULT_DATA = Path("jixiao-data")


def _fresh_demo_dir(data: Path) -> None:
    """Empty a demo folder made by an earlier ``--demo``; refuse any other non-empty folder."""
    if data.exists() and any(data.iterdir()):
        if not (data / DEMO_MARK).exists():
            print(f"错误：--demo 需要一个空文件夹或以前的演示文件夹，而“{data}”中已有其他文件；"
                  "请用 --data 指定一个新文件夹", file=sys.stderr)
            raise typer.Exit(2)
        for child in data.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    data.mkdir(parents=True, exist_ok=True)
    (data / DEMO_MARK).write_text("jixiao serve --demo 生成的演示数据，可随时删除\n", encoding="utf-8")


def prepare(database: str | None, data: Path, demo: bool) -> list[tuple[str, str, str]]:
    """Configure Django, bring the schema up to date, and for a demo load its data and accounts."""
    os.environ["JIXIAO_DEBUG"] = ""  # never a debug page in front of users
    if demo:
        _fresh_demo_dir(data)
        database = None  # a demo is always its own SQLite file under DATA
        os.environ.pop("JIXIAO_DATABASE_URL", None)
    else:
        data.mkdir(parents=True, exist_ok=True)  # the SQLite file and the attachments live there
    from jixiao.server import setup

    setup(database, data)
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", verbosity=0, interactive=False)
    if demo:
        from jixiao.web.demo import load

        return load()
    return []


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        database: str | None = typer.Option(None, "--database", help="数据库地址（PostgreSQL 等）；默认使用 DATA 下的 SQLite"),
        data: Path = typer.Option(DEFAULT_DATA, "--data", help="数据文件夹（SQLite 数据库、佐证材料）"),
        host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
        port: int = typer.Option(8000, "--port", help="端口"),
        demo: bool = typer.Option(False, "--demo", help="新建演示数据（深圳社保局 2020 案例、项目自评表、各角色演示账号）"),
        threads: int = typer.Option(8, "--threads", help="每个进程处理请求的线程数"),
        workers: int = typer.Option(1, "--workers", min=1, max=64,
                                    help="进程数；多核服务器上设为核数（如 2），由 gunicorn 运行（仅 Linux 等类 Unix 系统）"),
    ) -> None:
        """启动网页服务（waitress 或 gunicorn + WhiteNoise，不开调试模式）。"""
        if demo and data == DEFAULT_DATA:
            data = Path("jixiao-demo")
        if workers > 1 and sys.platform == "win32":
            print("错误：--workers 大于 1 需要 gunicorn，而它不支持 Windows；请去掉 --workers（单进程多线程）", file=sys.stderr)
            raise typer.Exit(2)
        try:
            accounts = prepare(database, data, demo)
        except OSError as exc:
            print(f"错误：无法准备数据文件夹“{data}”：{exc.strerror or exc}；请检查路径和权限", file=sys.stderr)
            raise typer.Exit(2) from None
        from jixiao.server.wsgi import application
        from jixiao.web import jobs
        from jixiao.web.warm import warm

        latency_first()
        try:
            warm()  # once here, so gunicorn forks its processes warm (jixiao.web.warm)
        except Exception as exc:  # noqa: BLE001 - the pages load it themselves on first use
            print(f"提示：预先加载页面与指标体系失败（{exc}），将在首次访问时加载", file=sys.stderr)

        if accounts:
            print("演示账号（密码相同）：")
            for name, role, password in accounts:
                print(f"  {role:<8} 用户名 {name:<10} 密码 {password}")
        shown = f"[{host}]" if ":" in host else host
        if workers > 1:
            _gunicorn(application, host, port, workers, threads, f"http://{shown}:{port}/")
            return
        resumed = jobs.recover()
        if resumed:
            print(RESUMED.format(n=resumed), flush=True)
        print(f"jixiao 网页服务已启动：http://{shown}:{port}/   （按 Ctrl+C 停止）", flush=True)
        from waitress import serve as waitress_serve

        try:
            waitress_serve(application, host=host, port=port, threads=threads, ident="jixiao",
                           clear_untrusted_proxy_headers=True, _quiet=True)
        except OSError as exc:
            print(f"错误：无法在 {host}:{port} 上监听：{exc.strerror or exc}；请换一个端口（--port）", file=sys.stderr)
            raise typer.Exit(2) from None


# How long a thread runs Python before one waiting for the GIL may take over (Python's default is 5 ms).
SWITCH_INTERVAL = 0.001


def latency_first() -> None:
    """Let a thread coming back from the database have the GIL again within 1 ms instead of 5.

    A page makes 5–16 queries, and after each its thread waits for the GIL while another thread of
    the process renders a page; in the load test, the slowest 5 % spent ~200 ms in "database" calls
    while PostgreSQL answered all but two statements of the minute within 30 ms
    (``log_min_duration_statement``): the wait was for the GIL. Measured in one process (two threads
    computing, four making 8-query requests; 3 December, a loaded machine): the 8-query requests'
    p95 fell from 170–225 ms to 92–148 ms; the computing threads' p50 rose by ~5 %."""
    sys.setswitchinterval(SWITCH_INTERVAL)


RESUMED = "继续 {n} 项上次停止服务时未完成的后台任务（报告生成、批量导入）"


def _gunicorn(application, host: str, port: int, workers: int, threads: int, address: str) -> None:
    """Serve ``application`` from ``workers`` processes forked from this one (Django is set up here
    once; each process gets its own database connections)."""
    import socket

    from django.db import connections
    from gunicorn.app.base import BaseApplication

    # gunicorn retries a busy port for a while and then exits with its own log line: say it in Chinese first.
    try:
        with socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET):
            pass
    except OSError as exc:
        print(f"错误：无法在 {host}:{port} 上监听：{exc.strerror or exc}；请换一个端口（--port）", file=sys.stderr)
        raise typer.Exit(2) from None
    connections.close_all()  # no connection opened here may be shared by the forked processes

    def post_worker_init(worker) -> None:
        # Jobs a stopped server left behind are taken up once, by the first process started.
        if worker.age == 1:
            from jixiao.web import jobs

            resumed = jobs.recover()
            if resumed:
                print(RESUMED.format(n=resumed), flush=True)

    class Server(BaseApplication):
        def load_config(self) -> None:
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            for key, value in {"bind": [bind], "workers": workers, "threads": threads, "worker_class": "gthread",
                               "timeout": 120, "graceful_timeout": 10, "accesslog": None, "errorlog": "-",
                               "loglevel": "warning", "proc_name": "jixiao", "post_worker_init": post_worker_init,
                               "forwarded_allow_ips": ""}.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    print(f"jixiao 网页服务已启动：{address}   （{workers} 个进程，每个 {threads} 个线程；按 Ctrl+C 停止）", flush=True)
    Server().run()
