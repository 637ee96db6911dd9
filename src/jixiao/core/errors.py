"""Problems found in frameworks, cases and forms: collected, never raised one at a time.

One record for every layer (intake, engine, forms, batch). Every problem has

* a stable ``code`` (tests match codes, not wording): ``E-FW-*`` framework errors, ``E-IN-*``
  input errors, ``W-IN-*`` input warnings, and the review codes of :mod:`jixiao.core.review`
  (``TOTAL_DIFF``, ``REASON_MISSING``, …) that a scored form raises;
* a ``severity``: ``error`` (the file cannot be used), ``warning`` (suspicious but legal, or a
  note) or ``review`` (a reviewer must look at it);
* a Chinese ``message`` saying what is wrong and what to do;
* a structured :class:`Place`: file, line, sheet, cell, the field path as a tuple, and the
  indicator (or form line) it concerns;
* where an edition's named check raised it, that check's ``check`` id and the ``category`` it
  belongs to (the 四性 of a target review: 完整性, 相关性, 适当性, 可行性); empty elsewhere.

The cycle's findings (a target review, a monitoring form's lights, an 事前评估) are Problems too: a
check an edition calls 须修改 is a ``review``, one it calls 提示 a ``warning``.

>>> p = Problem("E-IN-NEGATIVE", "金额不能为负", Place(file="case.yaml", line=12, path=("facts", "年初预算数")))
>>> str(p), p.severity, p.place.path
('case.yaml:12 金额不能为负 [E-IN-NEGATIVE]', 'error', ('facts', '年初预算数'))
>>> Problem("W-IN-RATE", "比率超出 0–100%", "表.xlsx 基本情况!C4").place
Place(file='表.xlsx', line=None, sheet='基本情况', cell='C4', path=(), indicator='', text='')
>>> Problem("TOTAL_DIFF", "表列总分 90，重算总分 85", "", "总分").severity
'review'
>>> str(Problem("T_NOT_QUANTIFIED", "成本指标应量化", "t.yaml:9", "单项业务成本", category="完整性", check="完整性.指标值明确"))
't.yaml:9 【完整性】单项业务成本：成本指标应量化 [T_NOT_QUANTIFIED]'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Self

from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

from jixiao.core.review import REVIEW, Severity

PathPart = str | int


@dataclass(frozen=True)
class Place:
    """Where a problem is: any of file and line, sheet and cell, field path, indicator.

    ``str(place)`` is the place as messages print it: ``case.yaml:12``, ``表.xlsx 政府采购!C4``,
    ``case.json:facts.年初预算数`` (a JSON file has no useful lines, so its path is shown).
    ``text`` keeps a place that is none of these (``第 3 行`` of a batch file), as written.
    """

    file: str = ""
    line: int | None = None
    sheet: str = ""
    cell: str = ""
    path: tuple[PathPart, ...] = ()
    indicator: str = ""
    text: str = ""

    def __str__(self) -> str:
        if self.text:
            return self.text
        if self.sheet:
            at = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
            return f"{self.file} {at}" if self.file else at
        if self.line:
            return f"{self.file}:{self.line}"
        if self.path:
            return f"{self.file}:{dotted(self.path)}" if self.file else dotted(self.path)
        return self.file

    def __bool__(self) -> bool:
        return bool(str(self) or self.indicator)

    @classmethod
    def parse(cls, text: str) -> Place:
        """A place from the text forms intake writes (the inverse of ``str``).

        >>> [Place.parse(t) == Place(**k) for t, k in [("a.yaml:3", {"file": "a.yaml", "line": 3}),
        ...  ("政府采购!C4", {"sheet": "政府采购", "cell": "C4"}), ("c.json:lists.清单[2].金额",
        ...  {"file": "c.json", "path": ("lists", "清单", 1, "金额")}), ("第 3 行", {"text": "第 3 行"})]]
        [True, True, True, True]
        """
        text = str(text or "")
        if not text:
            return cls()
        m = re.fullmatch(r"(?:(?P<file>.+) )?(?P<sheet>[^ !]+)!(?P<cell>\$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?)",
                         text)
        if m:
            out = cls(file=m["file"] or "", sheet=m["sheet"], cell=m["cell"])
        else:
            m = re.fullmatch(r"(?P<file>.+?):(?P<line>[0-9]+)", text)
            if m:
                out = cls(file=m["file"], line=int(m["line"]))
            elif re.search(r"\.(ya?ml|json|xlsx|csv|parquet|txt)$", text) or "/" in text:
                out = cls(file=text)
            else:
                m = re.fullmatch(r"(?P<file>.+?\.json):(?P<path>.+)", text)
                out = cls(file=m["file"], path=undotted(m["path"])) if m else cls()
        return out if str(out) == text else cls(text=text)


def dotted(path: tuple[PathPart, ...]) -> str:
    """A field path as a JSON case names it: ``lists.项目清单[1].金额`` (items counted from 1)."""
    return ".".join(f"[{p + 1}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


def undotted(text: str) -> tuple[PathPart, ...]:
    out: list[PathPart] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[([0-9]+)\]", text):
        out.append(int(index) - 1 if index else name)
    return tuple(out)


class Where(str):
    """A place as text (what older code and messages expect) that keeps its structured parts."""

    place: Place

    def __new__(cls, place: Place) -> Self:
        obj = super().__new__(cls, str(place))
        obj.place = place
        return obj


def severity_of(code: str) -> Severity:
    """``W-*`` codes are warnings; the review table decides its own codes; anything else is an error."""
    if code in REVIEW:
        return REVIEW[code].severity
    return "warning" if code.startswith("W-") else "error"


def place_of(where: str | Place, indicator: str = "") -> Place:
    if isinstance(where, Place):
        place = where
    elif isinstance(where, Where):
        place = where.place
    else:
        place = Place.parse(where)
    return replace(place, indicator=indicator) if indicator else place


class PlaceJSON(TypedDict):
    file: str
    line: int | None
    sheet: str
    cell: str
    path: list[PathPart]
    indicator: str
    text: str


class ProblemJSON(TypedDict):
    """A problem as :meth:`Problem.to_json` writes it (``where`` and ``indicator`` are derived)."""

    code: str
    severity: Severity
    message: str
    where: str
    indicator: str
    category: str
    check: str
    place: PlaceJSON


@dataclass(frozen=True, init=False)
class Problem:
    code: str
    severity: Severity
    message: str
    place: Place = field(default_factory=Place)
    category: str = ""  # the group of the check that raised it: a target review's 四性 (完整性 …)
    check: str = ""  # the id of the edition's check that raised it

    def __init__(self, code: str, message: str, where: str | Place = "", indicator: str = "", *,
                 severity: Severity | None = None, place: Place | None = None, category: str = "", check: str = ""):
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "severity", severity or severity_of(code))
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "place", place if place is not None else place_of(where, indicator))
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "check", check)

    @property
    def where(self) -> str:
        """The place as text, without the indicator (``file:line``, ``sheet!cell``, a field path)."""
        return str(self.place)

    @property
    def indicator(self) -> str:
        return self.place.indicator

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def is_warning(self) -> bool:
        """Not an error: a warning or a review note (the file can still be used)."""
        return self.severity != "error"

    @property
    def review(self) -> bool:
        """It puts a form on the review list (需复核)."""
        return self.severity == "review"

    def to_json(self) -> ProblemJSON:
        """The problem as plain JSON data, with its place as text (``where``) and its indicator at
        the top too, as every record prints it; :meth:`from_json` reads it back."""
        p = self.place
        return {"code": self.code, "severity": self.severity, "message": self.message, "where": self.where,
                "indicator": p.indicator, "category": self.category, "check": self.check,
                "place": {"file": p.file, "line": p.line, "sheet": p.sheet, "cell": p.cell, "path": list(p.path),
                          "indicator": p.indicator, "text": p.text}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        """The problem back from :meth:`to_json` (derived keys such as ``where`` are ignored).

        >>> p = Problem("W-IN-PACE-HIGH", "偏高", Place(file="a.yaml", line=3, path=("facts", 1)), "预算执行率")
        >>> Problem.from_json(p.to_json()) == p
        True
        """
        place = data.get("place")
        if isinstance(place, dict):
            where: Place = Place(file=place.get("file") or "", line=place.get("line"), sheet=place.get("sheet") or "",
                                 cell=place.get("cell") or "", path=tuple(place.get("path") or ()),
                                 indicator=place.get("indicator") or "", text=place.get("text") or "")
        else:
            where = place_of(str(data.get("where") or ""), str(data.get("indicator") or ""))
        return cls(str(data["code"]), str(data["message"]), severity=data.get("severity"), place=where,
                   category=str(data.get("category") or ""), check=str(data.get("check") or ""))

    def __str__(self) -> str:
        head = f"{self.where} " if self.where else ""
        cat = f"【{self.category}】" if self.category else ""
        ind = f"{self.indicator}：" if self.indicator else ""
        return f"{head}{cat}{ind}{self.message} [{self.code}]"


@dataclass
class Problems:
    """A growing list of problems, so every check runs and the user sees them all at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, where: str | Place = "", indicator: str = "") -> None:
        self.items.append(Problem(code, message, where, indicator))

    def extend(self, other: Problems | list[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def raise_if_errors(self, title: str) -> None:
        if self.errors:
            raise InvalidInput(title, self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


class InvalidInput(Exception):
    """A user's file cannot be used. Carries every problem found, errors and warnings."""

    def __init__(self, title: str, problems: list[Problem]):
        self.title = title
        self.problems = list(problems)
        super().__init__(title + "\n" + "\n".join(str(p) for p in problems))
