"""Batch results written whole or not at all.

``jixiao batch score -o RESULTS`` writes into a staging folder beside RESULTS (same parent, so
the same filesystem and ``rename`` is atomic) and moves the finished files into place only when
every one of them is written. Interrupted (SIGINT, SIGTERM) or failed, the staging folder is
removed and RESULTS is as it was: the old results intact, or no folder at all when there was
none. The moves into place run with SIGINT and SIGTERM blocked, so a signal cannot land between
``lines.parquet`` and ``forms.parquet`` of two different runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STAGING_PREFIX = ".jixiao-staging-"
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink(missing_ok=True)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM raised as SystemExit in the main thread, so ``finally`` blocks clean up."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder to write results in; on success its entries replace RESULTS's."""
    out = Path(out)
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    stage = parent / f"{STAGING_PREFIX}{out.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    with _terminate_as_exit():
        stage.mkdir()
        try:
            yield stage
            commit(stage, out)
        finally:
            _remove(stage)


def commit(stage: Path, out: Path) -> None:
    """Move every entry of ``stage`` into ``out`` (created when absent), replacing old ones."""
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        if not out.exists():
            os.rename(stage, out)  # a whole new folder appears at once
            stage.mkdir()  # so the caller's cleanup finds what it expects
            return
        trash = stage / ".old"
        trash.mkdir()
        for entry in sorted(stage.iterdir()):
            if entry == trash:
                continue
            target = out / entry.name
            if target.exists() or target.is_symlink():
                os.rename(target, trash / entry.name)  # a folder (Spark's parts) cannot be replaced in one step
            os.rename(entry, target)
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


@contextmanager
def staged_file(out: Path) -> Iterator[Path]:
    """A temporary file beside OUT, renamed onto it when the block succeeds, removed otherwise."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f"{STAGING_PREFIX}{out.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}{out.suffix}"
    with _terminate_as_exit():
        try:
            yield tmp
            os.replace(tmp, out)
        finally:
            _remove(tmp)
