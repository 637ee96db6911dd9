"""``jixiao serve --workers N``: N processes under gunicorn serve the pages, log-ins work across
them, and stopping the server stops every process."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Jixiao-Demo-2026"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="gunicorn 不支持 Windows")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("JIXIAO_DATABASE_URL", None)
    return env


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_two_processes_serve_the_pages_and_stop_together(tmp_path):
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", "from jixiao.cli import main; main()", "serve", "--demo",
                             "--data", str(tmp_path / "store"), "--port", str(port), "--workers", "2", "--threads", "4"],
                            stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=str(ROOT))
    try:
        deadline = time.time() + 180
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.time() < deadline, "jixiao serve --workers 2 未在 180 秒内启动"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        assert "2 个进程" in (tmp_path / "serve.log").read_text()
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(base + "/login/", timeout=60) as r:
            assert r.status == 200
        token = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "caizheng", "password": PASSWORD}).encode()
        req = urllib.request.Request(base + "/login/", data=body, headers={"Referer": base + "/"})
        with opener.open(req, timeout=60) as r:  # follows the redirect to 工作台
            assert r.status == 200
        # the session is in the database, so every process knows the user: ask several times
        for _ in range(6):
            with opener.open(base + "/", timeout=60) as r:
                page = r.read().decode()
            assert "工作台" in page and "caizheng" in page
        workers = _children(proc.pid)
        assert len(workers) == 2, workers
        with opener.open(base + "/overview/?year=2020", timeout=60) as r:
            assert r.status == 200 and "总览" in r.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()
    time.sleep(0.5)
    assert not [w for w in workers if Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]]


def test_a_busy_port_is_said_in_chinese(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-c", "from jixiao.cli import main; main()", "serve", "--data",
                            str(tmp_path / "store"), "--port", str(port), "--workers", "2"],
                           capture_output=True, text=True, env=_env(), cwd=str(ROOT), timeout=180)
    assert r.returncode == 2
    assert f"无法在 127.0.0.1:{port} 上监听" in r.stderr and "--port" in r.stderr
    assert "Traceback" not in r.stderr
