"""The ``jixiao`` command sets the allocators of Polars and pyarrow (batch/allocator.py) before
either is loaded, and both take the settings: each case runs a fresh interpreter that imports the
command first (as the console script does), then asks jemalloc to print its options at exit and
pyarrow which pool it uses, and reads them back."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from jixiao.batch.allocator import SETTINGS

JEMALLOC, ARROW = "_RJEM_MALLOC_CONF", "ARROW_DEFAULT_MEMORY_POOL"

CHILD = """
import os, sys
import jixiao.cli
loaded = [m for m in ("polars", "pyarrow") if m in sys.modules]
assert not loaded, f"the command loaded {{loaded}} before setting their allocators"
os.environ[{jemalloc!r}] = os.environ[{jemalloc!r}] + ",stats_print:true"  # only to read the options back
import polars
import pyarrow
polars.DataFrame({{"a": [1.0, 2.0]}}).sum()
print("arrow pool:", pyarrow.default_memory_pool().backend_name)
"""


def _child(env: dict[str, str]) -> tuple[dict[str, str], str]:
    run = subprocess.run([sys.executable, "-c", CHILD.format(jemalloc=JEMALLOC)], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    out = run.stdout + run.stderr
    options = dict(re.findall(r"opt\.(dirty_decay_ms|muzzy_decay_ms): (-?\d+)", out))
    return options, re.search(r"arrow pool: (\w+)", out).group(1)


def _env(**given: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in SETTINGS} | given


def test_the_command_sets_both_allocators_before_they_load():
    options, pool = _child(_env())
    assert options == dict(pair.split(":") for pair in SETTINGS[JEMALLOC].split(","))
    assert options["dirty_decay_ms"] == "5000"  # not Polars' own default (500)
    assert pool == "system"  # not pyarrow's default (mimalloc or jemalloc)


def test_settings_the_user_gives_are_kept():
    options, pool = _child(_env(**{JEMALLOC: "dirty_decay_ms:1234,muzzy_decay_ms:4321", ARROW: "mimalloc"}))
    assert options == {"dirty_decay_ms": "1234", "muzzy_decay_ms": "4321"}
    assert pool == "mimalloc"
