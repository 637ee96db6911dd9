"""Reading a report's PDF back with poppler, for the tests of both PDF engines (Typst and
LibreOffice): the text of each page, the fonts it embeds, and the free fonts they must be."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# The free stand-ins the Makefile installs (templates/fonts.conf maps the official faces to them).
FREE_FONTS = ("NotoSerifCJK", "NotoSansCJK", "GBZenKai", "LiberationSerif")


def flat(text: str) -> str:
    """Text without any whitespace: poppler breaks lines where the layout did."""
    return re.sub(r"\s+", "", text)


def pdf_pages(pdf: Path, mode: str = "-layout") -> list[str]:
    """The text of each page (``pdftotext`` in ``mode``: ``-layout`` or ``-raw``, content order)."""
    done = subprocess.run(["pdftotext", mode, str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8").split("\f")


def pdf_fonts(pdf: Path) -> tuple[list[list[str]], str]:
    """``pdffonts``' rows (split into columns) and its whole output, for messages."""
    done = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True)
    return [line.split() for line in done.stdout.splitlines()[2:] if line.strip()], done.stdout


def font_names(rows: list[list[str]]) -> list[str]:
    """The fonts' names without their subset prefix (``ABCDEF+NotoSerifCJK…`` → ``NotoSerifCJK…``)."""
    return [row[0].split("+", 1)[-1] for row in rows]
