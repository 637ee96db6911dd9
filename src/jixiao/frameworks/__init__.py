"""The shipped framework editions: data, not code. One folder per edition, e.g. ``shenzhen-dept/2020/``,
holding ``framework.yaml`` and the YAML test cases that pin it down (``tests.yaml``)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def editions() -> list[str]:
    """Ids of the shipped editions, such as ``shenzhen-dept/2020``."""
    return sorted(str(p.parent.relative_to(HERE)).replace("\\", "/") for p in HERE.glob("*/*/framework.yaml"))


def shipped_path(ref: str) -> Path | None:
    """The file of a shipped edition, or None when ``ref`` is not one."""
    p = HERE / ref / "framework.yaml"
    return p if ref in editions() and p.is_file() else None


def tests_path(ref: str) -> Path | None:
    p = HERE / ref / "tests.yaml"
    return p if p.is_file() else None
