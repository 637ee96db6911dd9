"""Problems found in frameworks and cases: collected, never raised one at a time.

Every problem has a stable code (tests match codes, not wording), a Chinese message that says
what is wrong and what to do, and a place: ``file:line`` for a framework, a field path such as
``facts.年初预算数`` or a cell such as ``政府采购!C4`` for input.

Codes: ``E-FW-*`` framework errors, ``E-IN-*`` input errors, ``W-IN-*`` input warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    where: str = ""  # file:line, field path, or sheet!cell
    indicator: str = ""  # the indicator it concerns, if any

    @property
    def is_warning(self) -> bool:
        return self.code.startswith("W-")

    def __str__(self) -> str:
        head = f"{self.where} " if self.where else ""
        ind = f"{self.indicator}：" if self.indicator else ""
        return f"{head}{ind}{self.message} [{self.code}]"


@dataclass
class Problems:
    """A growing list of problems, so every check runs and the user sees them all at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, where: str = "", indicator: str = "") -> None:
        self.items.append(Problem(code, message, where, indicator))

    def extend(self, other: "Problems | list[Problem]") -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.is_warning]

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
