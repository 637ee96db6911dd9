"""The mainland working-day calendar (法定节假日 and 调休) from the ``chinesecalendar`` package.

The package ships each year's State Council holiday notice as data inside it (nothing is fetched
at run time) and is updated once the next year's notice is out, usually in November; for a year it
does not yet cover it has no answer, and :func:`is_workday` says so (None) rather than guess — see
:func:`jixiao.core.cycle.workdays.workday_deadline`, which then marks the deadline as estimated.
"""

from __future__ import annotations

import datetime as dt


def is_workday(day: dt.date) -> bool | None:
    """Whether ``day`` is a working day in mainland China; None for a year without holiday data."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # "no available data for year …": the notice is not in this release
        return None


def covered_years() -> tuple[int, int]:
    """The first and last year the installed calendar holds holiday data for."""
    import chinese_calendar

    years = sorted({d.year for d in chinese_calendar.holidays})
    return years[0], years[-1]
