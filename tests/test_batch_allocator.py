"""The ``jixiao`` command sets Polars' allocator to keep freed pages (batch/allocator.py) before
Polars is loaded, and jemalloc takes it: each case runs a fresh interpreter, asks jemalloc to
print its options at exit, and reads them back."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from jixiao.batch.allocator import ENV, SETTING

# The command's module is imported first (as the console script does); the child then adds
# stats_print, only to read the options back, and loads Polars.
CHILD = """
import os, sys
import jixiao.cli
assert "polars" not in sys.modules, "the command imported Polars before its allocator was set"
os.environ[{env!r}] = os.environ[{env!r}] + ",stats_print:true"
import polars
polars.DataFrame({{"a": [1.0, 2.0]}}).sum()
"""


def _options(env: dict[str, str]) -> dict[str, str]:
    run = subprocess.run([sys.executable, "-c", CHILD.format(env=ENV)], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    out = run.stdout + run.stderr
    return dict(re.findall(r"opt\.(dirty_decay_ms|muzzy_decay_ms): (-?\d+)", out))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != ENV}
    return env | extra


def test_the_command_sets_the_decay_before_polars_loads():
    options = _options(_env())
    want = dict(pair.split(":") for pair in SETTING.split(","))
    assert options == want, options
    assert options["dirty_decay_ms"] == "5000"  # not Polars' own default (500)


def test_a_setting_the_user_gives_is_kept():
    options = _options(_env(**{ENV: "dirty_decay_ms:1234,muzzy_decay_ms:4321"}))
    assert options == {"dirty_decay_ms": "1234", "muzzy_decay_ms": "4321"}
