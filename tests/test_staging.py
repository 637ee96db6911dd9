"""Every output written whole or not at all, through the one helper (jixiao.io.staging): convert,
template, batch results and reports stage on the target's file system, rename into place, keep the
umask's mode (and a replaced file's own), and leave no staging file after a failure or a signal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.io.staging import STAGING_PREFIX, staged_file, staged_folder

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"
GOOD = ROOT / "tests" / "bad_inputs" / "batch" / "good.csv"
SRC = ROOT / "src"
runner = CliRunner()


def staging_left(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(STAGING_PREFIX)]


def modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in sorted(folder.rglob("*"))}


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


# --- the helper ----------------------------------------------------------------------------------

def test_a_staged_file_appears_whole_with_the_umask_mode(tmp_path, umask_027):
    out = tmp_path / "a.txt"
    with staged_file(out) as tmp:
        tmp.write_text("new", encoding="utf-8")
        assert not out.exists() and tmp.parent == tmp_path
    assert out.read_text(encoding="utf-8") == "new" and out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_replaced_file_keeps_its_mode_and_a_failure_leaves_it(tmp_path, umask_027):
    out = tmp_path / "a.txt"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o604)
    with staged_file(out) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o604
    with pytest.raises(RuntimeError), staged_file(out) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError
    assert out.read_text(encoding="utf-8") == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_link_to_a_file_is_written_through(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with staged_file(link) as tmp:
        tmp.write_text("new", encoding="utf-8")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_a_folder_is_merged_file_by_file_and_a_failed_move_undone(tmp_path, umask_027):
    out = tmp_path / "out"
    (out / "甲").mkdir(parents=True)
    (out / "甲" / "report.md").write_text("old", encoding="utf-8")
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    os.chmod(out / "甲" / "report.md", 0o600)
    with staged_folder(out, merge=True) as stage:
        (stage.files / "甲").mkdir()
        (stage.files / "甲" / "report.md").write_text("new", encoding="utf-8")
        (stage.files / "乙").mkdir()
        (stage.files / "乙" / "report.md").write_text("new", encoding="utf-8")
        assert stage.files.parent.parent == out  # inside OUTDIR: its file system, whatever it is
    assert (out / "甲" / "report.md").read_text(encoding="utf-8") == "new"
    assert modes(out) == {"mine.txt": 0o640, "乙": 0o750, "乙/report.md": 0o640, "甲": 0o750, "甲/report.md": 0o600}
    # A file that would replace a folder: every move of the run is undone.
    (out / "丙").mkdir()
    (out / "丙" / "x").mkdir()
    before = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(IsADirectoryError), staged_folder(out, merge=True) as stage:
        (stage.files / "a.md").write_text("first", encoding="utf-8")
        (stage.files / "丙").mkdir()
        (stage.files / "丙" / "x").write_text("not a folder", encoding="utf-8")
    assert {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not staging_left(tmp_path)


def test_top_level_entries_are_replaced_whole_without_merge(tmp_path):
    out = tmp_path / "out"
    (out / "lines.parquet").mkdir(parents=True)
    (out / "lines.parquet" / "part-0.parquet").write_bytes(b"old part")
    with staged_folder(out, merge=False) as stage:
        (stage.files / "lines.parquet").mkdir()
        (stage.files / "lines.parquet" / "part-1.parquet").write_bytes(b"new part")
    assert sorted(p.name for p in (out / "lines.parquet").iterdir()) == ["part-1.parquet"]
    assert not staging_left(tmp_path)


# --- the commands --------------------------------------------------------------------------------

def test_batch_results_and_reports_respect_the_umask_and_keep_replaced_modes(tmp_path, umask_027):
    res = tmp_path / "res"
    assert runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(res)]).exit_code == 0
    assert modes(res) == {"forms.parquet": 0o640, "lines.parquet": 0o640, "run.json": 0o640}
    assert res.stat().st_mode & 0o777 == 0o750
    os.chmod(res / "forms.parquet", 0o600)
    assert runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(res)]).exit_code == 0
    assert (res / "forms.parquet").stat().st_mode & 0o777 == 0o600  # replaced, it keeps its mode
    rep = tmp_path / "rep"
    assert runner.invoke(app, ["report", str(SEED), "-o", str(rep), "--format", "md,xlsx"]).exit_code == 0
    assert rep.stat().st_mode & 0o777 == 0o750
    assert set(modes(rep).values()) == {0o640}
    os.chmod(rep / "report.md", 0o600)
    assert runner.invoke(app, ["report", str(SEED), "-o", str(rep), "--format", "md,xlsx"]).exit_code == 0
    assert (rep / "report.md").stat().st_mode & 0o777 == 0o600 and (rep / "scoring.xlsx").stat().st_mode & 0o777 == 0o640
    assert not staging_left(tmp_path)


def another_file_system(tmp_path: Path) -> Path:
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system to link to")
    target = shm / f"jixiao-test-{os.getpid()}-{tmp_path.name}"
    target.mkdir()
    return target


def test_batch_results_into_a_link_to_another_file_system(tmp_path):
    """Staged beside the link, the final renames failed with EXDEV (“Invalid cross-device link”)."""
    target = another_file_system(tmp_path)
    try:
        (target / "notes.txt").write_text("mine", encoding="utf-8")
        link = tmp_path / "res"
        link.symlink_to(target, target_is_directory=True)
        result = runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(link)])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in target.iterdir()) == ["forms.parquet", "lines.parquet", "notes.txt", "run.json"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    finally:
        shutil.rmtree(target, ignore_errors=True)


SLOW_WRITE = """
import os, sys, time
real = os.fsync
def slow(fd):
    sys.stderr.write("WRITING\\n"); sys.stderr.flush()
    time.sleep(30)
    return real(fd)
os.fsync = slow
sys.argv = ["jixiao", "convert", sys.argv[1], sys.argv[2]]
from jixiao.cli import main
main()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_convert_writes_leaves_the_old_file_and_no_staging(sig, tmp_path):
    out = tmp_path / "c.json"
    out.write_text("old", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, str(SEED), str(out)], cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=str(SRC)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    line = b""
    while b"WRITING" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
    assert b"WRITING" in line, "convert never reached the write"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" not in err
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"], "a staging file was left behind"


@pytest.mark.parametrize("command", [
    ["batch", "synth", "-n", "3", "-o", "{out}"],
    ["batch", "monitor-synth", "-n", "3", "-o", "{out}"],
])
def test_generated_tables_are_whole_or_not_at_all(command, tmp_path, monkeypatch):
    import polars as pl

    out = tmp_path / "t.parquet"
    out.write_bytes(b"old table")
    real = pl.DataFrame.write_parquet

    def half(self, path, *a, **k):  # the disk fills up half-way through
        Path(path).write_bytes(b"PAR1 half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", half)
    result = runner.invoke(app, [a.format(out=out) for a in command])
    assert result.exit_code == 2 and "[E-BATCH-WRITE]" in result.output, result.output
    assert out.read_bytes() == b"old table" and sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]
    monkeypatch.setattr(pl.DataFrame, "write_parquet", real)
    assert runner.invoke(app, [a.format(out=out) for a in command]).exit_code == 0
    assert pl.read_parquet(out).height > 0 and sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]


def test_lights_and_review_lists_are_staged(tmp_path):
    table = tmp_path / "m.parquet"
    assert runner.invoke(app, ["batch", "monitor-synth", "-n", "20", "-o", str(table)]).exit_code == 0
    lights = tmp_path / "lights.parquet"
    result = runner.invoke(app, ["batch", "monitor", str(table), "-o", str(lights)])
    assert result.exit_code == 0, result.output
    res = tmp_path / "res"
    assert runner.invoke(app, ["batch", "score", str(GOOD), "-o", str(res)]).exit_code == 0
    review = tmp_path / "review.csv"
    result = runner.invoke(app, ["batch", "summary", str(res), "--review-out", str(review)])
    assert result.exit_code == 0, result.output
    assert lights.is_file() and review.is_file() and not staging_left(tmp_path)
