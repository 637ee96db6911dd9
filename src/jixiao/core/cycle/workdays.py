"""Working days (工作日) for a deadline such as 四川's “10个工作日内作出处理决定”.

A working day in mainland China is not simply Monday to Friday: the State Council's yearly notice
(国务院办公厅关于某年部分节假日安排的通知) makes some weekdays holidays and some weekends working
days (调休). Which days those are is data, not arithmetic; the caller passes a calendar — a
function that says whether a day is a working day, or None when it has no data for that year — and
the result says whether every day counted was known. A day without data counts as a working day
when it is Monday to Friday, and the deadline is marked *estimated*, never silently exact.

>>> import datetime as dt
>>> weekdays = lambda d: d.weekday() < 5
>>> workday_deadline(dt.date(2026, 9, 25), 10, weekdays)  # a Friday: the 10th working day after it
Deadline(start=datetime.date(2026, 9, 25), days=10, due=datetime.date(2026, 10, 9), estimated=False)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

Calendar = Callable[[dt.date], "bool | None"]  # True: a working day; None: the calendar has no data for the day


@dataclass(frozen=True)
class Deadline:
    start: dt.date  # the day the period starts from (not itself counted)
    days: int  # working days allowed
    due: dt.date  # the last working day of the period
    estimated: bool = False  # some day counted had no calendar data: Monday to Friday was assumed

    def overdue(self, on: dt.date, done: dt.date | None = None) -> bool:
        """Whether the deadline was missed: done after it, or not done and ``on`` is past it."""
        return (done > self.due) if done is not None else on > self.due


def workday_deadline(start: dt.date, days: int, is_workday: Calendar) -> Deadline:
    """The ``days``-th working day after ``start`` (the 10th working day for “10个工作日内”)."""
    if days < 1:
        raise ValueError("工作日数应不少于 1")
    day, counted, estimated = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        known = is_workday(day)
        if known is None:
            estimated, known = True, day.weekday() < 5
        counted += bool(known)
    return Deadline(start, days, day, estimated)
