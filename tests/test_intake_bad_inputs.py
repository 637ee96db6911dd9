"""Every bad input of the corpus (tests/bad_inputs/corpus.py) through the real CLI.

For each: ``jixiao score`` exits non-zero with the intended code (and place, where one is named)
and no traceback; ``jixiao convert`` leaves an existing output file exactly as it was.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from bad_inputs.corpus import CORPUS

from jixiao.cli import app

runner = CliRunner()


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
    assert not list(tmp_path.glob("*.part")), "no temporary file may be left behind"


@pytest.mark.parametrize("name", ["压缩炸弹冒充 .xlsx", "YAML 别名炸弹", "文字填在金额单元格"])
def test_a_real_process_exits_cleanly(name, tmp_path):
    bad = next(b for b in CORPUS if b.name == name)
    path = bad.make(tmp_path)
    proc = subprocess.run([sys.executable, "-c", "from jixiao.cli import main; main()", "score", str(path)],
                          capture_output=True, text=True, check=False,
                          cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"[{bad.code}]" in proc.stderr
