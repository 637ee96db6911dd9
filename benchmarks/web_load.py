"""Bounded load test of the web pages: 50 simulated users browse and save for 60 s, then it stops.

    python benchmarks/web_load.py [--users 50] [--seconds 60] [--database postgres://…]

Without ``--database`` (or ``JIXIAO_DATABASE_URL``) it runs itself under
``tests/store/run_on_postgres.sh``, which starts a private PostgreSQL 15 on loopback (initdb +
pg_ctl in a temporary folder) and removes it afterwards; ``--sqlite`` uses SQLite instead. A demo store is loaded,
``jixiao serve`` runs under waitress in a child process, and each simulated user logs in and loops:
工作台, an evaluation, its entry page, a live score (HTMX), 总览, 审计日志 — and, for the unit
users, a save of a new version from the version they loaded. Saves that meet a newer version get
409 (no lost update) and the user reloads; every other non-2xx/3xx answer is an error.

Each simulated user pauses between pages as a person reading them would (``--think``: the mean
pause in seconds, drawn from an exponential distribution seeded per user; ``--think 0`` is the
closed loop of earlier runs, every user asking again the moment an answer arrives — a stress test
of throughput rather than a simulation of 50 people). A user starts with such a pause too, so the
50 do not all open their first page in the same instant (``--together`` does that, as the runs
before 3 December 18:10 UTC did); a pause that would end after the timed minute ends the user's
session (every request is sent within the minute and counted in full).

Before the timed run, a **baseline** is measured in the same run: one user of each role alone
visits every page five times in turn. Printed: requests, errors, p50/p95/max latency per page under
load, the baseline's p50 per page and the ratio (p95 under load ÷ baseline p50), saves done and
refused; and a check that the number of versions in the store equals the saves that succeeded (no
lost update). The load average at start and end is printed, and the CPU time the server, the
clients and the rest of the machine used during the minute: on a shared machine they say more than
the latencies.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Jixiao-Demo-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_demo(database: str | None, data: Path) -> None:
    """Migrate and load the demo store into ``database`` (or SQLite under ``data``)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    code = ("import sys; from jixiao.cli import serve; serve.prepare(sys.argv[1] or None, __import__('pathlib').Path(sys.argv[2]), False);"
            "from jixiao.web import demo; demo.load()")
    subprocess.run([sys.executable, "-c", code, database or "", str(data)], check=True, env=env, cwd=str(ROOT))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A save is timed on its own: its redirect to the detail page is another request."""

    def redirect_request(self, *args, **kwargs):
        return None


def server_timing(headers) -> dict[str, float]:
    """The server's own durations in seconds, from ``Server-Timing`` (jixiao.web.timing): ``app``
    (wall time from the outermost middleware to the response), ``cpu`` (the request thread's CPU
    time), ``db`` (time inside database calls) and ``peers`` (CPU time of the server process's
    other threads meanwhile: the request's wait for the GIL)."""
    out: dict[str, float] = {}
    for part in (headers.get("Server-Timing") or "").split(","):
        name, _, dur = part.strip().partition(";dur=")
        try:
            out[name] = float(dur) / 1000
        except ValueError:
            pass
    return out


class User:
    def __init__(self, base: str, name: str, stats, lock):
        self.base, self.name, self.stats, self.lock = base, name, stats, lock
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def call(self, label: str, path: str, data: dict | None = None, expect=(200, 302),
             follow: bool = True) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={
            "X-CSRFToken": self.csrf(), "Referer": self.base + "/"})
        headers = None
        t0 = time.perf_counter()
        try:
            with (self.opener if follow else self.no_redirect).open(req, timeout=120) as r:
                status, text, headers = r.status, r.read().decode("utf-8", "replace"), r.headers
        except urllib.error.HTTPError as e:
            status, text, headers = e.code, e.read().decode("utf-8", "replace"), e.headers
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            status, text = 0, str(e)
        dt = time.perf_counter() - t0
        t = server_timing(headers) if headers is not None else {}
        with self.lock:
            self.stats["req"].append((label, dt, t.get("app"), t.get("cpu"), t.get("db"), t.get("peers")))
            if status not in expect:
                self.stats["errors"].append(f"{label} {path} → {status}")
        return status, text

    def login(self) -> None:
        self.call("登录页", "/login/")
        self.call("登录", "/login/", {"csrfmiddlewaretoken": self.csrf(), "username": self.name, "password": PASSWORD})


def form_fields(html: str) -> dict:
    """The entry form's inputs as the browser would post them."""
    from html.parser import HTMLParser

    out: dict[str, str] = {}

    class P(HTMLParser):
        select = textarea = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name") or ""
            if a.get("form"):  # the attachment forms' inputs
                return
            if tag == "input" and (name.startswith(("v.", "e.", "p.", "u.")) or name in ("base", "csrfmiddlewaretoken")):
                out[name] = a.get("value") or ""
            elif tag == "select" and name.startswith("v."):
                self.select = name
                out[name] = ""
            elif tag == "option" and self.select and "selected" in a:
                self.selected = True
            elif tag == "textarea" and name.startswith("v."):
                self.textarea = name
                out[name] = ""

        def handle_data(self, data):
            if self.select and getattr(self, "selected", False):
                out[self.select] = data
                self.selected = False
            elif self.textarea:
                out[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

    P().feed(html)
    return out


class _TimeUp(Exception):
    """The timed minute is over: the user asks for nothing more."""


def run_user(u: User, pages: dict, until: float, saves: dict, think: float = 0.0, seed: int = 0,
             together: bool = False, clock=time.time, sleep=time.sleep) -> None:
    """One simulated user's session until ``until``.

    Every request starts before ``until`` and is counted in full; a pause that would end after it
    ends the session instead. (Until 3 December 18:10 UTC a pause was cut short at the deadline and
    the user went on with the rest of its round without pausing: some 60 requests in the last two
    seconds, a burst that was most of the slowest 5 %.) Unless ``together``, the session starts
    with a pause drawn like every other one, so users are already spread over their rounds when the
    minute starts, as people are, instead of all 50 opening 工作台 in the same millisecond."""
    n = 0
    # Unique text, so every save is a real change. Not the thread's ident: the client processes are
    # forked alike, so their threads' idents repeat, and two users posting the same text make the
    # second save "unchanged" (302, no new version) — once counted as a lost update.
    me = f"{u.name}-{seed}"
    rng = random.Random(seed)

    def pause() -> None:
        wait = rng.expovariate(1 / think) if think > 0 else 0.0
        if clock() + wait >= until:
            raise _TimeUp
        if wait:
            sleep(wait)

    try:
        if not together:
            pause()
        while clock() < until:
            n += 1
            u.call("工作台", "/")
            pause()
            ev = pages["ev"][n % len(pages["ev"])] if u.name.startswith("zhuguan") or u.name.startswith("caizheng") else pages["mine"]
            u.call("评价详情", f"/e/{ev}/")
            pause()
            if u.name.startswith("danwei"):
                status, html = u.call("填报页", f"/e/{pages['mine']}/edit")
                pause()
                fields = form_fields(html)
                u.call("试算（HTMX）", f"/e/{pages['mine']}/live", dict(fields, **{"e.绩效管理制度": f"负载测试 {me} {n}"}))
                pause()
                if n % 3 == 0:
                    post = dict(fields, note=f"负载测试 {me} 第 {n} 次", **{"e.绩效管理制度": f"负载测试 {me} {n} 保存"})
                    # a saved version answers 302 (to the detail page, not followed: the save is timed alone)
                    status, _ = u.call("保存", f"/e/{pages['mine']}/edit", post, expect=(302, 409), follow=False)
                    with u.lock:
                        saves["ok" if status == 302 else "conflict" if status == 409 else "other"] += 1
                    pause()
            else:
                u.call("总览", "/overview/?year=2020")
                pause()
                u.call("审计日志", "/audit/")
                pause()
    except _TimeUp:
        pass


def baseline(base: str, pages: dict, rounds: int = 5) -> dict[str, list[float]]:
    """Each page's latency with one user alone on the server: the same pages, no saves."""
    stats = new_stats()
    lock = threading.Lock()
    for name in ("danwei2", "zhuguan", "caizheng"):
        u = User(base, name, stats, lock)
        u.login()
        for _ in range(rounds):
            u.call("工作台", "/")
            u.call("评价详情", f"/e/{pages['mine'] if name == 'danwei2' else pages['ev'][0]}/")
            if name == "danwei2":
                _, html = u.call("填报页", f"/e/{pages['mine']}/edit")
                u.call("试算（HTMX）", f"/e/{pages['mine']}/live", dict(form_fields(html), **{"e.绩效管理制度": "基线"}))
            else:
                u.call("总览", "/overview/?year=2020")
                u.call("审计日志", "/audit/")
    stats["req"] = [r for r in stats["req"] if r[0] not in ("登录页", "登录")]
    return stats


def new_stats() -> dict:
    """Every request as (page, client seconds, server app, cpu, db, peers), and the errors."""
    return {"req": [], "errors": []}


def client_process(base: str, pages: dict, users: list[tuple[int, str]], seconds: float, think: float,
                   together: bool, ready, results) -> None:
    """One client process: its share of the users, each a thread. Logs them in (before the timed
    minute, five at a time), waits for every process to be ready, runs, and sends its figures back
    with the CPU time it used meanwhile."""
    stats, lock, saves = new_stats(), threading.Lock(), defaultdict(int)
    mine = [(i, User(base, name, stats, lock)) for i, name in users]
    for k in range(0, len(mine), 5):
        logins = [threading.Thread(target=u.login) for _, u in mine[k:k + 5]]
        for t in logins:
            t.start()
        for t in logins:
            t.join()
    stats = new_stats()
    for _, u in mine:
        u.stats = stats
    ready.wait()
    cpu0 = _own_cpu()
    until = time.time() + seconds
    threads = [threading.Thread(target=run_user, args=(u, pages, until, saves, think, i, together)) for i, u in mine]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    results.put((stats, dict(saves), _own_cpu() - cpu0))


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def cpu_seconds(root: int) -> tuple[float, float] | None:
    """CPU seconds used so far by process ``root`` with its children (the server: gunicorn's
    arbiter and its workers), and by the whole machine (``/proc/stat``); None where there is no
    ``/proc`` (not Linux)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        tree, stats = {root}, {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # ended meanwhile
                    continue
                stats[int(d)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
        for pid, (ppid, _) in stats.items():
            if ppid == root:
                tree.add(pid)
        own = sum(stats[pid][1] for pid in tree if pid in stats)
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]]
        # user, nice, system, irq, softirq: not idle, iowait, or steal (time the hypervisor gave to others)
        busy = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6]) / tick
        return own, busy
    except (OSError, ValueError, IndexError):
        return None


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def report(reqs: list[tuple], base: list[tuple]) -> None:
    """Per page: the client's timing beside the server's own (Server-Timing), its CPU and database
    time, and the same page alone (baseline); then where the slowest 5 % of all requests spent
    their time."""

    def ms(x: float) -> str:
        return "—" if x != x else f"{x * 1000:.0f}"

    def col(rows, i):
        return [r[i] for r in rows if r[i] is not None]

    print("客户端：客户端计得的时间（含等待服务线程、网络与客户端自身）；服务端：服务器自身计时（中间件到响应）；"
          "CPU：该请求线程自身的 CPU 时间；DB：数据库调用时间；GIL：其间同一服务进程其他线程所用 CPU（即等 GIL）；单位 ms")
    print(f"{'页面':<10}{'次数':>6}{'客户端p50':>10}{'客户端p95':>10}{'服务端p50':>10}{'服务端p95':>10}"
          f"{'CPU p50':>9}{'DB p50':>8}{'GIL p50':>9}{'基线p50':>9}{'基线CPU':>9}")
    labels = sorted({r[0] for r in reqs}, key=lambda x: -sum(r[0] == x for r in reqs))
    for label in labels:
        rows = [r for r in reqs if r[0] == label]
        alone = [r for r in base if r[0] == label]
        print(f"{label:<10}{len(rows):>6}{ms(pct(col(rows, 1), .5)):>12}{ms(pct(col(rows, 1), .95)):>12}"
              f"{ms(pct(col(rows, 2), .5)):>12}{ms(pct(col(rows, 2), .95)):>12}{ms(pct(col(rows, 3), .5)):>10}"
              f"{ms(pct(col(rows, 4), .5)):>9}{ms(pct(col(rows, 5), .5)):>10}{ms(pct(col(alone, 1), .5)):>10}"
              f"{ms(pct(col(alone, 3), .5)):>10}")
    every, app = col(reqs, 1), col(reqs, 2)
    print(f"全部页面：客户端 p50 {ms(pct(every, .5))}、p95 {ms(pct(every, .95))}；"
          f"服务端 p50 {ms(pct(app, .5))}、p95 {ms(pct(app, .95))}")
    cut = pct(every, .95)
    slow = [r for r in reqs if r[1] >= cut and r[2] is not None]
    if slow:
        def mean(xs):
            return sum(xs) / len(xs)

        outside = mean([r[1] - r[2] for r in slow])
        cpu, db, gil = mean([r[3] for r in slow]), mean([r[4] for r in slow]), mean([r[5] for r in slow])
        core = mean([max(0.0, r[2] - r[3] - r[4] - r[5]) for r in slow])
        print(f"最慢 5 %（{len(slow)} 次，客户端 ≥ {ms(cut)}）平均 {ms(mean([r[1] for r in slow]))}：服务器之外 {ms(outside)}"
              f"（等待服务线程、网络、客户端）；服务器内：自身 CPU {ms(cpu)}、数据库 {ms(db)}、"
              f"同进程其他线程占用 GIL {ms(gil)}、等待空闲核 {ms(core)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--database", default=None)
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--think", type=float, default=3.0,
                    help="mean pause between pages in seconds (0: every user asks again at once)")
    ap.add_argument("--workers", type=int, default=1, help="server processes (jixiao serve --workers)")
    ap.add_argument("--threads", type=int, default=None, help="threads per server process (default: jixiao serve's)")
    ap.add_argument("--clients", type=int, default=5, help="client processes the simulated users are spread over")
    ap.add_argument("--together", action="store_true",
                    help="all users open their first page in the same instant (as the runs before 3 December 18:10 UTC)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-load-"))
    server = None
    try:
        database = None if args.sqlite else (args.database or os.environ.get("JIXIAO_DATABASE_URL"))
        if not database and not args.sqlite:
            # A private PostgreSQL on loopback, started and removed by the store's script.
            script = ROOT / "tests" / "store" / "run_on_postgres.sh"
            sys.exit(subprocess.call([str(script), sys.executable, *sys.argv], cwd=str(ROOT)))
        data = tmp / "data"
        data.mkdir()
        load_demo(database, data)
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        threads = ["--threads", str(args.threads)] if args.threads else []
        cmd = [sys.executable, "-c", "from jixiao.cli import main; main()", "serve", "--data", str(data),
               "--port", str(port), "--workers", str(args.workers), *threads] + (["--database", database] if database else [])
        env["JIXIAO_SERVER_TIMING"] = "1"  # the server's own durations in each answer (jixiao.web.timing)
        server = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=(tmp / "serve.log").open("w"))
        for _ in range(240):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"
        code = ("import sys; from jixiao.server import setup; setup(sys.argv[1] or None, sys.argv[2]);"
                "from jixiao.store.models import Evaluation as E;"
                "print(' '.join(str(e.pk) for e in E.objects.filter(kind='dept', year=2020).order_by('pk')));"
                "print(E.objects.get(unit__code='4403RS04', year=2020).pk)")
        out = subprocess.run([sys.executable, "-c", code, database or "", str(data)], env=env, capture_output=True,
                             text=True, check=True, cwd=str(ROOT)).stdout.split("\n")
        pages = {"ev": out[0].split(), "mine": out[1].strip()}
        load_start = os.getloadavg()
        base_stats = baseline(base, pages)
        # 50 users: the unit user danwei2 many times over (all on one evaluation: the hardest case for
        # lost updates), the rest 主管部门 and 财政 reviewers browsing. They run in --clients processes
        # (threads within each): one Python process of 50 threads would add its own GIL waits to
        # every timing it takes.
        names = [("danwei2" if i % 3 == 0 else "zhuguan" if i % 3 == 1 else "caizheng") for i in range(args.users)]
        ctx = multiprocessing.get_context("fork")
        n = max(1, min(args.clients, args.users))
        ready, results = ctx.Barrier(n + 1), ctx.Queue()
        procs = [ctx.Process(target=client_process, args=(
            base, pages, [(i, names[i]) for i in range(k, args.users, n)], args.seconds, args.think, args.together,
            ready, results))
            for k in range(n)]
        for p in procs:
            p.start()
        ready.wait(timeout=600)  # logins done in every client process
        t0 = time.time()
        cpu_start = cpu_seconds(server.pid)
        stats, saves, client_cpu = new_stats(), defaultdict(int), 0.0
        for _ in procs:
            part, part_saves, part_cpu = results.get(timeout=args.seconds + 180)
            client_cpu += part_cpu
            stats["req"].extend(part["req"])
            stats["errors"].extend(part["errors"])
            for key, v in part_saves.items():
                saves[key] += v
        wall = time.time() - t0
        cpu_end = cpu_seconds(server.pid)
        for p in procs:
            p.join(30)
        code = ("import sys; from jixiao.server import setup; setup(sys.argv[1] or None, sys.argv[2]);"
                "from jixiao.store.models import Evaluation as E; e = E.objects.get(pk=int(sys.argv[3]));"
                "print(e.versions.count())")
        versions = int(subprocess.run([sys.executable, "-c", code, database or "", str(data), pages["mine"]], env=env,
                                      capture_output=True, text=True, check=True, cwd=str(ROOT)).stdout)
        load_end = os.getloadavg()
        report(stats["req"], base_stats["req"])
        print(f"数据库：{'PostgreSQL（本机回环）' if database else 'SQLite'}；用户 {args.users}（{n} 个客户端进程）；"
              f"服务进程 {args.workers} × 线程 {args.threads or '（serve 默认）'}；页间停顿 平均 {args.think:g} 秒；"
              f"时长 {wall:.1f} 秒；请求 {len(stats['req'])}（{len(stats['req']) / wall:.0f} 次/秒）；"
              f"负载 {load_start[0]:.1f} → {load_end[0]:.1f}（{os.cpu_count()} 核）；错误 {len(stats['errors'])}"
              + (f"（如：{stats['errors'][:3]}）" if stats["errors"] else ""))
        if cpu_start and cpu_end:
            serving, machine = cpu_end[0] - cpu_start[0], cpu_end[1] - cpu_start[1]
            print(f"计时期间所用 CPU（秒）：服务端 {serving:.1f}（jixiao serve 各进程）、客户端 {client_cpu:.1f}（{n} 个进程）、"
                  f"本机其余 {max(0.0, machine - serving - client_cpu):.1f}（PostgreSQL 及本机其他工作）；"
                  f"本机可用 {wall * (os.cpu_count() or 1):.0f}")
        print("用户到达：" + ("全部同时打开第一页（--together）；" if args.together else
                           "每个用户先停顿一次（与页间停顿同一分布）再打开第一页；") +
              "时间到后不再发出新请求，已发出的计入")
        print(f"保存：成功 {saves['ok']}，因他人已保存而拒绝（409，未覆盖）{saves['conflict']}，其他 {saves['other']}；"
              f"该评价的版本数 {versions} = 1 + 成功保存 {saves['ok']}：{'是' if versions == 1 + saves['ok'] else '否（有更新丢失！）'}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
