"""A department framework by shipped id or file: the department face of :mod:`jixiao.intake.editions`.

Every edition of every kind is read by the one loader there; this module keeps the entry points
the department stack has always used (:func:`load_framework`, :func:`framework_path`).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.edition import DEPARTMENT
from jixiao.core.model import Framework
from jixiao.intake.editions import load_edition, locate, require
from jixiao.intake.schema import PYDANTIC_TEXT, schema_problems

__all__ = ["PYDANTIC_TEXT", "framework_path", "load_framework", "schema_problems"]


def framework_path(ref: str | Path) -> Path:
    """The file a framework reference names: a shipped edition's file, or the path."""
    return locate(ref)


def load_framework(ref: str | Path) -> Framework:
    """A department framework by shipped id (``shenzhen-dept/2020``) or by file.

    Raises :class:`~jixiao.core.errors.InvalidInput` with every problem, or with a message naming
    the edition's kind when ``ref`` is an edition of another kind (a project form)."""
    ed = load_edition(ref)
    require(ed, DEPARTMENT, "部门整体评价")
    fw: Framework = ed.framework
    return fw
