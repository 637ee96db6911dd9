"""`jixiao report` interrupted or aimed at another file system: the old output intact, nothing
left behind — no staging folder, no LibreOffice profile, no LibreOffice still running.

Slow: each test starts LibreOffice. The signal is sent once LibreOffice's private profile appears
(the PDF step is under way), found in a TMPDIR of the test's own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed"),
]


def _soffice_using(profile_root: Path) -> list[int]:
    """Processes whose command line names a profile under ``profile_root``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if str(profile_root) in cmd and "jixiao-lo-" in cmd:
            found.append(int(proc.name))
    return found


def _run_and_signal(tmp_path: Path, sig: int) -> tuple[Path, Path, int]:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "parent" / "out"
    out.mkdir(parents=True)
    (out / "report.pdf").write_bytes(b"old pdf")
    (out / "report.docx").write_bytes(b"old docx")
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONPATH=str(ROOT / "src"))
    cases = [SEED] * 3
    proc = subprocess.Popen([sys.executable, "-c", "from jixiao.cli import app; app()", "report", *map(str, cases),
                             "-o", str(out), "--format", "docx,pdf", "--pdf-engine", "libreoffice"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith("jixiao-lo-") for p in tmpdir.iterdir()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "jixiao ended before LibreOffice started: " + proc.stderr.read().decode()
    time.sleep(0.5)  # LibreOffice is converting now
    proc.send_signal(sig)
    code = proc.wait(timeout=120)
    return out, tmpdir, code


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_the_pdf_step_leaves_nothing_behind(tmp_path, sig):
    out, tmpdir, code = _run_and_signal(tmp_path, sig)
    assert code != 0
    # The old output is intact, and nothing new was half-written into it.
    assert sorted(p.name for p in out.iterdir()) == ["report.docx", "report.pdf"]
    assert (out / "report.pdf").read_bytes() == b"old pdf"
    # No hidden staging folder beside or inside OUTDIR, no LibreOffice profile in the temp folder…
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
    time.sleep(1.0)
    assert list(tmpdir.iterdir()) == []
    # …and no LibreOffice still running on a profile of this run.
    assert _soffice_using(tmpdir) == []

