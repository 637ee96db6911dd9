"""Batch results written whole or not at all (:mod:`jixiao.io.staging` does the work).

``jixiao batch score -o RESULTS`` writes into a staging folder on RESULTS's file system (inside
RESULTS when it exists, which may be a mount point or a link to another file system; beside it
when it does not) and moves the finished files into place only when every one of them is written.
Interrupted (SIGINT, SIGTERM) or failed, the staging folder is removed and RESULTS is as it was:
the old results intact, or no folder at all when there was none. The moves into place run with
SIGINT and SIGTERM held, so a signal cannot land between ``lines.parquet`` and ``forms.parquet``
of two different runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jixiao.io.staging import STAGING_PREFIX, staged_folder
from jixiao.io.staging import staged_file as _staged_file

__all__ = ["STAGING_PREFIX", "staged", "staged_file"]


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder to write results in; on success its entries replace RESULTS's (each whole:
    a Spark output folder loses its old parts), other files in RESULTS are kept."""
    out = Path(out)
    if not out.exists():
        (out.parent if str(out.parent) else Path(".")).mkdir(parents=True, exist_ok=True)
    with staged_folder(out, merge=False) as stage:
        yield stage.files


@contextmanager
def staged_file(out: Path) -> Iterator[Path]:
    """A temporary file beside OUT, renamed onto it when the block succeeds, removed otherwise."""
    with _staged_file(out, parents=True) as tmp:
        yield tmp
