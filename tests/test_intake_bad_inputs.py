"""Every bad input of the corpus (tests/bad_inputs/corpus.py) through the real CLI.

For each: ``jixiao score`` exits non-zero with the intended code (and place, where one is named)
and no traceback; ``jixiao convert`` leaves an existing output file exactly as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from bad_inputs.corpus import CORPUS

from jixiao.cli import app

runner = CliRunner()
SRC = Path(__file__).resolve().parent.parent / "src"


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30
    assert len({b.name for b in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_bad_input_is_refused_with_its_code(bad, tmp_path):
    path = bad.make(tmp_path)
    result = runner.invoke(app, ["score", str(path)])
    out = result.output
    assert result.exit_code == bad.exit, out
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out
    assert f"[{bad.code}]" in out, out
    if bad.where:
        line = next(line for line in out.splitlines() if f"[{bad.code}]" in line)
        assert bad.where in line, line


REFUSED = [b for b in CORPUS if b.exit == 2]


@pytest.mark.parametrize("bad", REFUSED, ids=[b.name for b in REFUSED])
def test_convert_leaves_output_untouched(bad, tmp_path):
    path = bad.make(tmp_path)
    # Alternate the output format, so both writers are shown never to start on a bad input.
    suffix = (".xlsx", ".yaml", ".json")[REFUSED.index(bad) % 3]
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"previous content")
    result = runner.invoke(app, ["convert", str(path), str(out)])
    assert result.exit_code == 2
    assert out.read_bytes() == b"previous content"
    absent = tmp_path / f"absent{suffix}"
    runner.invoke(app, ["convert", str(path), str(absent)])
    assert not absent.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging file may be left behind"


@pytest.mark.parametrize("name", ["压缩炸弹冒充 .xlsx", "YAML 别名炸弹", "文字填在金额单元格"])
def test_a_real_process_exits_cleanly(name, tmp_path):
    bad = next(b for b in CORPUS if b.name == name)
    path = bad.make(tmp_path)
    proc = subprocess.run([sys.executable, "-c", "from jixiao.cli import main; main()", "score", str(path)],
                          capture_output=True, text=True, check=False,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"[{bad.code}]" in proc.stderr


# --- Resources: bounded by design, not by the machine ------------------------------------------------
# Every hostile input that aims at memory or time, run in one child process whose address space is
# capped. A reader that reads a stream without end (a link to /dev/zero) or inflates before checking
# runs into the cap; its MemoryError may even be swallowed and the right code printed after it, so
# the test asserts the child's peak resident memory, not only the code. (Before the fix, ``score``
# of a workbook linked to /dev/zero read 2.7 GB under a 3 GB cap and exhausted a 24 GiB machine
# without one; ``batch score`` of a CSV so linked ended in MemoryError.)
RESOURCE_CASES = ["指向 /dev/zero 的案例", "指向 /dev/zero 的工作簿", "命名管道充当案例", "压缩炸弹冒充 .xlsx",
                  "50 MB 的工作簿", "单元格超过预算",
                  "自评表单元格超过预算", "自评表第 1048576 行有值", "自评表压缩炸弹", "清单 64000 项", "1 GB 的稀疏 YAML", "指标体系文件指向 /dev/zero", "JSON 嵌套十万层", "YAML 别名炸弹", "5000 位的整数"]
RESOURCE_BATCHES = ["指向 /dev/zero 的 CSV", "指向 /dev/zero 的 Parquet", "命名管道充当 CSV"]
RESOURCE_BULK = ["指向 /dev/zero 的监控长表", "命名管道充当监控长表", "指向 /dev/zero 的报告清单", "1 GB 的报告清单"]
ADDRESS_CAP = 2_500_000_000  # enough for Python, polars and openpyxl; far less than an endless read
PEAK_RSS_MB = 600  # the largest legitimate run here (the 50 MB workbook, refused by size) is ~250 MB

CHILD = """
import faulthandler, json, resource, sys, time
faulthandler.dump_traceback_later(240)  # a read that blocks (a FIFO) shows where, then the parent's timeout ends it
from typer.testing import CliRunner
from jixiao.cli import app
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
def peak_mb():
    # VmHWM belongs to this address space; ru_maxrss would carry over the parent's peak (the pytest
    # process, hundreds of MB late in a full run) through fork and exec.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) // 1024
runner, seen = CliRunner(), []
for args in json.loads(sys.argv[1]):
    start = time.monotonic()
    result = runner.invoke(app, args)
    seen.append({{"args": args, "exit": result.exit_code, "output": result.output,
                 "error": repr(result.exception) if not isinstance(result.exception, SystemExit) else "",
                 "seconds": round(time.monotonic() - start, 2),
                 "peak_mb": peak_mb()}})
print(json.dumps(seen, ensure_ascii=False))
"""


def test_resource_attacks_stay_within_a_small_memory_budget(tmp_path):
    from bad_inputs.batch_corpus import BATCH_CORPUS, BULK_CORPUS

    cases = [next(b for b in CORPUS if b.name == name) for name in RESOURCE_CASES]
    batches = [next(b for b in BATCH_CORPUS if b.name == name) for name in RESOURCE_BATCHES]
    bulk = [next(b for b in BULK_CORPUS if b.name == name) for name in RESOURCE_BULK]

    def folder(name: str) -> Path:  # one folder per input: several corpus files share a name
        (tmp_path / name).mkdir()
        return tmp_path / name

    runs = [(b, ["score", str(b.make(folder(f"c{i}")))]) for i, b in enumerate(cases)]
    runs += [(b, ["batch", "score", str(b.make(folder(f"b{i}"))), "-o", str(tmp_path / f"out{i}")])
             for i, b in enumerate(batches)]
    runs += [(b, b.args(b.make(folder(f"m{i}")), tmp_path / f"m{i}")) for i, b in enumerate(bulk)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}  # this checkout's code, whatever the cwd
    try:
        proc = subprocess.run([sys.executable, "-c", CHILD.format(cap=ADDRESS_CAP), json.dumps([a for _, a in runs])],
                              capture_output=True, text=True, check=False, timeout=300, cwd=tmp_path, env=env)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"a hostile input blocked the reader: {(exc.stderr or b'')[-3000:]!r}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.splitlines()[-1])
    for (bad, _), run in zip(runs, seen, strict=True):
        assert not run["error"] and "MemoryError" not in run["output"], (bad.name, run)
        assert run["exit"] == 2 and f"[{bad.code}]" in run["output"], (bad.name, run)
        assert run["peak_mb"] < PEAK_RSS_MB, f"{bad.name}: peak {run['peak_mb']} MB after {run['seconds']} s"
