"""Outputs written whole or not at all: the one staging helper every writer uses.

``jixiao convert`` and ``template`` (one file), ``batch score`` (a results folder), ``batch import``
(one table) and ``report`` (a folder of reports) all write the same way:

* into a staging place **on the target's file system** — beside a file, or inside an existing
  folder (which may be a mount point, or a symlink to another file system, where a staging folder
  beside it could not be renamed into place) — so the final step is a ``rename``, never a copy;
* renamed into place only when everything is written, with SIGINT and SIGTERM held for the few
  renames, so a signal never leaves a folder half old, half new; a failed move is undone;
* SIGTERM is turned into :class:`SystemExit` while staging, so the ``finally`` blocks run and no
  staging file or folder is left, whether the run fails, is interrupted (Ctrl-C) or terminated;
* with the usual permissions: a new file or folder gets what the umask gives (not ``mkstemp``'s
  0600 or ``mkdtemp``'s 0700), and a replaced file keeps the mode it had.

Nothing here knows what is written; it lives outside ``intake``, ``batch`` and ``reports`` so that
all of them share it. :func:`output_folder` is the whole of a command's ``-o`` folder (the reports
and the cycle's documents): the checks a user can fail, in Chinese, around :func:`staged_folder`.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import signal
import stat
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from jixiao.core.errors import InvalidInput, Problem

STAGING_PREFIX = ".jixiao-staging-"
_HELD = {signal.SIGINT, signal.SIGTERM}


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode(path: Path) -> int:
    """The mode a file written at ``path`` should have: that of the file it replaces, else the
    usual one under the umask."""
    try:
        return stat.S_IMODE(Path(path).stat().st_mode)
    except OSError:
        return 0o666 & ~umask()


def _name(out: Path, suffix: str = "") -> str:
    return f"{STAGING_PREFIX}{out.name or 'out'}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM raised as :class:`SystemExit` (exit status 128 + 15) in the main thread, so the
    ``finally`` blocks that remove staging files and stop child processes run, as they do for
    Ctrl-C's KeyboardInterrupt. Elsewhere than the main thread signals are left alone."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (they are delivered after the block) while the renames run."""
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _real(out: Path) -> Path:
    """A symlink to a file is written through: the file it names is replaced, the link kept."""
    out = Path(out)
    return Path(os.path.realpath(out)) if out.is_symlink() else out


@contextmanager
def staged_file(out: Path, *, parents: bool = False) -> Iterator[Path]:
    """A staging path beside ``out`` (same folder, same file system) to write; renamed onto
    ``out`` when the block succeeds, removed otherwise. The staging name keeps ``out``'s suffix,
    for writers that choose a format by it."""
    out = _real(out)
    folder = out.parent if str(out.parent) else Path(".")
    if parents:
        folder.mkdir(parents=True, exist_ok=True)
    mode = file_mode(out)
    tmp = folder / _name(out, out.suffix)
    with terminate_as_exit():
        try:
            yield tmp
            os.chmod(tmp, mode)
            with signals_held():
                os.replace(tmp, out)
        finally:
            _remove(tmp)


def write_bytes(out: Path, data: bytes) -> None:
    """``data`` written to ``out`` whole or not at all (and synced before the rename, so a crash
    right after leaves the new file, not an empty one)."""
    with staged_file(out) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Stage:
    """Where a staged folder's contents are written (``files``), and a private folder on the same
    file system for work files that are moved into ``files`` by rename (``scratch``)."""

    files: Path
    scratch: Path


@contextmanager
def staged_folder(out: Path, *, merge: bool) -> Iterator[Stage]:
    """A staging folder for what ``out`` (a folder, existing or not) should hold.

    On success: a new ``out`` is the staging folder, renamed; into an existing one, each staged
    entry replaces its namesake — whole top-level entries (``merge=False``: a results folder,
    where a Spark output folder must lose its old parts) or file by file, other files kept
    (``merge=True``: a reports folder that also holds the user's own files). A move that fails
    is undone, and the error raised (:class:`IsADirectoryError` when a file would replace a
    folder). On failure or a signal, ``out`` is as it was and no staging folder is left."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(out))
    # Inside an existing folder: it may be a mount point or a link to another file system.
    home = out if out.is_dir() else (out.parent if str(out.parent) else Path("."))
    with terminate_as_exit():
        root = home / _name(out)
        root.mkdir(mode=0o700)
        try:
            files, scratch = root / "files", root / "scratch"
            files.mkdir()  # the umask's mode: it becomes ``out`` itself when ``out`` is new
            scratch.mkdir()
            yield Stage(files, scratch)
            with signals_held():
                _commit(files, out, root / "replaced", merge)
        finally:
            _remove(root)


def _commit(files: Path, out: Path, backup: Path, merge: bool) -> None:
    if not out.exists():
        os.rename(files, out)  # a whole new folder appears at once
        return
    if merge:
        entries = sorted(p for p in files.rglob("*") if p.is_file() or p.is_symlink())
    else:
        entries = sorted(files.iterdir())
    backup.mkdir()
    moved: list[Path] = []
    saved: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for src in entries:
            rel = src.relative_to(files)
            dest = out / rel
            for parent in reversed(rel.parents[:-1]):
                d = out / parent
                if not d.exists():
                    d.mkdir()
                    made.append(d)
            if dest.exists() or dest.is_symlink():
                if merge and dest.is_dir() and not dest.is_symlink():
                    raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(rel))
                if src.is_file() and not src.is_symlink():
                    os.chmod(src, file_mode(dest))  # a replaced file keeps its mode
                keep = backup / rel
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dest, keep)
                saved.append((keep, dest))
            os.replace(src, dest)
            moved.append(dest)
    except BaseException:
        for dest in reversed(moved):
            _remove(dest)
        for keep, dest in reversed(saved):
            os.replace(keep, dest)
        for d in reversed(made):
            try:
                d.rmdir()
            except OSError:
                pass
        raise


def output_problem(out: Path, says: str) -> InvalidInput:
    return InvalidInput("输出目录无法使用", [Problem("E-OUT-DIR", f"输出目录“{out}”{says}", str(out))])


def make_parents(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents; the folders made, outermost first."""
    made = []
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        p.mkdir()
        made.append(p)
    return made


@contextmanager
def output_folder(out: Path, *, files: str = "文件", ready: Callable[[], None] | None = None) -> Iterator[Stage]:
    """The staging folder for what a command writes into the folder ``out`` (its ``-o``), merged
    file by file so the user's other files stay (:func:`staged_folder`, ``merge=True``).

    What the user can get wrong is refused as :class:`InvalidInput` ``E-OUT-DIR`` naming ``out``:
    a file there, parents that cannot be created, a folder that cannot be written, one of the
    written ``files`` (their name in the message: 报告文件, 文书文件) that would replace a folder.
    ``ready`` runs once ``out`` is checked and before anything is created (LibreOffice present?).
    On any failure, the parent folders made for ``out`` are removed again and ``out`` is as it was."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise output_problem(out, "已存在且不是文件夹；请换一个 -o 目录")
    if ready is not None:
        ready()
    try:
        made = make_parents(out.parent)
    except OSError as exc:
        raise output_problem(out, f"的上级目录无法创建（{exc.strerror}）；请换一个 -o 目录") from None
    done = False
    try:
        with ExitStack() as stack:
            try:
                stage = stack.enter_context(staged_folder(out, merge=True))
            except OSError:
                where = "不可写" if out.is_dir() else "所在目录不可写"
                raise output_problem(out, f"{where}；请换一个 -o 目录") from None
            yield stage
        done = True
    except IsADirectoryError as exc:
        raise output_problem(out, f"中的“{exc.filename}”是文件夹，无法用{files}替换；请换一个 -o 目录") from None
    finally:
        if not done:
            for d in reversed(made):
                try:
                    d.rmdir()
                except OSError:
                    pass
