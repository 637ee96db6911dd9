"""``jixiao report --batch``: PDFs converted in shares, one LibreOffice run per share, up to one run
per worker at a time. LibreOffice itself is replaced by a stand-in here (the real conversions, the
signals and the cleanup are in tests/test_report_office.py and tests/test_report_signals.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.reports import build, office

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "examples" / "national-dept-2013" / "case.yaml"
runner = CliRunner()


class Running:
    def __init__(self, run):
        self.run = run

    def poll(self):
        return None if self.run in StandIn.alive else 0


class StandIn:
    """Records each run's files and how many runs were converting when it started."""

    alive: list = []
    started: list = []

    def __init__(self, sources, target, outdir, timeout=None):
        self.sources = list(sources)
        self.expected = [outdir / (Path(s).stem + ".pdf") for s in self.sources]
        outdir.mkdir(parents=True, exist_ok=True)
        StandIn.alive.append(self)
        StandIn.started.append((len(self.sources), len(StandIn.alive)))
        self.proc = Running(self)

    def wait(self):
        StandIn.alive.remove(self)
        for e in self.expected:
            e.write_bytes(b"%PDF-1.4 stand-in")
        return self.expected

    def kill(self):
        if self in StandIn.alive:
            StandIn.alive.remove(self)

    def cleanup(self):
        pass


@pytest.mark.parametrize("workers", [1, 2])
def test_shares_convert_in_parallel_up_to_one_run_per_worker(tmp_path, monkeypatch, workers):
    monkeypatch.setenv("JIXIAO_OFFICE_WORKERS", str(workers))
    monkeypatch.setattr(build.office, "Conversion", StandIn)
    monkeypatch.setattr(build.office, "soffice", lambda: "soffice")
    StandIn.alive, StandIn.started = [], []
    cases = tmp_path / "cases"
    cases.mkdir()
    for i in range(build.SHARE_MIN + 1):
        shutil.copy(NATIONAL, cases / f"c{i:02d}.yaml")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--batch", str(cases), "-o", str(out), "--format", "pdf",
                                 "--pdf-engine", "libreoffice"])
    assert result.exit_code == 0, result.output
    assert [n for n, _ in StandIn.started] == [build.SHARE_MIN, 1]
    assert max(alive for _, alive in StandIn.started) == workers
    assert StandIn.alive == []
    assert sorted(p.parent.name for p in out.rglob("report.pdf")) == [f"c{i:02d}" for i in range(build.SHARE_MIN + 1)]


def test_workers_default_to_the_cores_and_may_be_set(monkeypatch):
    monkeypatch.delenv("JIXIAO_OFFICE_WORKERS", raising=False)
    assert office.workers() >= 1
    monkeypatch.setenv("JIXIAO_OFFICE_WORKERS", "3")
    assert office.workers() == 3
    monkeypatch.setenv("JIXIAO_OFFICE_WORKERS", "0")
    assert office.workers() >= 1
