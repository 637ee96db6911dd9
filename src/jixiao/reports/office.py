"""LibreOffice, headless: DOCX → PDF for the report, XLSX → XLSX (recalculated) for checking.

Every run gets a private profile (``-env:UserInstallation=file:///tmp/jixiao-lo-…``), so two
conversions at once never collide on a lock, and the profile says “always recalculate on
load”, so a recalculated workbook really is recalculated. Many files are converted in one
invocation (one LibreOffice start for a whole batch).

The official fonts (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312 …) are not free; the
fontconfig file shipped beside the templates maps them to installed free fonts (Noto CJK,
AR PL KaitiM GB) for the conversion only (``FONTCONFIG_FILE``), so no glyph is missing and the
DOCX keeps the official names for Word/WPS users who have those fonts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

INSTALL_HINT = (
    "未找到 LibreOffice（soffice），无法生成 PDF。请先安装："
    "Debian/Ubuntu 执行 `apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-gkai00mp poppler-utils`"
    "（或运行 `make system`）；也可用 --format docx,html,md,xlsx 跳过 PDF。"
)

RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class OfficeError(Exception):
    """LibreOffice is missing or a conversion failed; the message is Chinese, for the user."""


def soffice() -> str:
    """The LibreOffice program, or :class:`OfficeError` saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OfficeError(INSTALL_HINT)


def workers() -> int:
    """How many LibreOffice runs may convert at once: one per core (``JIXIAO_OFFICE_WORKERS``
    overrides it, e.g. 1 on a machine shared with other work)."""
    given = os.environ.get("JIXIAO_OFFICE_WORKERS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def fonts_conf() -> Path:
    return Path(str(resources.files("jixiao.reports") / "templates" / "fonts.conf"))


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fonts_conf())
    env.setdefault("HOME", tempfile.gettempdir())
    env.pop("PYTHONPATH", None)  # LibreOffice's own Python must not pick up ours
    return env


def convert(sources: list[Path], target: str, outdir: Path, timeout: float | None = None) -> list[Path]:
    """Convert ``sources`` (one LibreOffice start for all) into ``outdir``; return the new files.

    ``target`` is a LibreOffice ``--convert-to`` value, e.g. ``pdf`` or ``xlsx``.
    """
    return Conversion(sources, target, outdir, timeout).wait()


class Conversion:
    """One LibreOffice run converting many files, started now and awaited later.

    A batch starts one run per share of its cases, so LibreOffice converts one share while
    Python drafts the next (two cores, two kinds of work).
    """

    def __init__(self, sources: list[Path], target: str, outdir: Path, timeout: float | None = None):
        self.sources = list(sources)
        self.ext = target.split(":", 1)[0]
        self.expected = [outdir / (Path(s).stem + "." + self.ext) for s in self.sources]
        if len({e.name for e in self.expected}) != len(self.expected):
            raise ValueError("sources converted together must have distinct names")
        self.limit = timeout or (60 + 15 * len(self.sources))
        self.proc = None
        self.profile = None
        if not self.sources:
            return
        program = soffice()
        outdir.mkdir(parents=True, exist_ok=True)
        self.profile = Path(tempfile.mkdtemp(prefix="jixiao-lo-"))
        (self.profile / "user").mkdir()
        (self.profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")
        cmd = [program, f"-env:UserInstallation={self.profile.as_uri()}", "--headless", "--invisible", "--nologo",
               "--norestore", "--nodefault", "--nolockcheck", "--convert-to", target, "--outdir", str(outdir),
               *map(str, self.sources)]
        env = environment()
        # LibreOffice's own temporary files (lu*.tmp) go inside the profile, removed with it even
        # when LibreOffice is killed mid-conversion.
        (self.profile / "tmp").mkdir()
        env["TMPDIR"] = env["TMP"] = env["TEMP"] = str(self.profile / "tmp")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     start_new_session=True,
                                     preexec_fn=_die_with_parent if _PRCTL else None)  # noqa: PLW1509 - one prctl call, no locks

    def wait(self) -> list[Path]:
        if self.proc is None:
            return []
        try:
            try:
                out, err = self.proc.communicate(timeout=self.limit)
            except subprocess.TimeoutExpired:
                self.kill()
                raise OfficeError(f"LibreOffice 转换超时（{self.limit:.0f} 秒），未生成 {self.ext.upper()}；"
                                  "请重试，或检查是否有残留的 soffice 进程") from None
            except BaseException:
                # Ctrl-C or SIGTERM while converting: LibreOffice must not outlive us, nor keep
                # writing into the profile removed below.
                self.kill()
                raise
            missing = [e for e in self.expected if not e.is_file() or e.stat().st_size == 0]
            if self.proc.returncode != 0 or missing:
                tail = (err or out).decode("utf-8", "replace").strip().splitlines()[-5:]
                names = "、".join(m.name for m in missing) or "（无）"
                raise OfficeError(f"LibreOffice 转换失败（退出码 {self.proc.returncode}），未生成：{names}。"
                                  + (f"LibreOffice 输出：{' / '.join(tail)}" if tail else ""))
            return self.expected
        finally:
            self.cleanup()

    def kill(self) -> None:
        """Stop this run's LibreOffice: its whole process group (soffice starts soffice.bin in it),
        even when the first process has already exited."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.communicate(timeout=30)  # reap it and close its pipes
        except (subprocess.TimeoutExpired, ValueError, OSError):
            pass

    def cleanup(self) -> None:
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None


def _load_prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, ImportError):  # not Linux: no parent-death signal
        return None


_PRCTL = _load_prctl()  # looked up here, not in the forked child


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to kill LibreOffice if jixiao itself dies (even by
    SIGKILL), so no orphaned soffice keeps running."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def recalculated(xlsx: Path, outdir: Path) -> Path:
    """A copy of a workbook as LibreOffice recalculates it (formulas computed afresh)."""
    return convert([xlsx], "xlsx:Calc MS Excel 2007 XML", outdir)[0]


def pdf_text(pdf: Path, last: int = 0) -> list[str] | None:
    """The text of each page (``pdftotext -layout``), up to page ``last`` if given; None when
    poppler is not installed."""
    program = shutil.which("pdftotext")
    if not program:
        return None
    pages = ["-l", str(last)] if last else []
    done = subprocess.run([program, "-layout", "-enc", "UTF-8", *pages, str(pdf), "-"], capture_output=True, timeout=60,
                          check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").split("\f")
