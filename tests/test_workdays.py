"""Working-day deadlines: the 10th working day after a date, with the mainland's 法定节假日 and 调休
(the chinesecalendar package's data), and what happens where the calendar has no data."""

from __future__ import annotations

import datetime as dt

import pytest

from jixiao.core.cycle.workdays import workday_deadline
from jixiao.io.workdays import covered_years, is_workday

D = dt.date


def weekdays(day: dt.date) -> bool:
    return day.weekday() < 5


def test_ten_working_days_across_the_national_day_holiday_with_its_makeup_saturday():
    # 2026: 10月1日—7日 放假, Saturday 10月10日 is a working day (调休). From Monday 28 September:
    # 29, 30 Sept; 8, 9, 10 (Sat), 12, 13, 14, 15, 16 Oct — the 10th is Friday 16 October.
    d = workday_deadline(D(2026, 9, 28), 10, is_workday)
    assert (d.due, d.estimated) == (D(2026, 10, 16), False)
    assert workday_deadline(D(2026, 9, 28), 10, weekdays).due == D(2026, 10, 12)  # what Monday-to-Friday would say


def test_the_calendar_knows_holidays_and_makeup_days():
    assert is_workday(D(2026, 10, 1)) is False  # 国庆节
    assert is_workday(D(2026, 10, 10)) is True  # a Saturday worked (调休)
    assert is_workday(D(2026, 10, 11)) is False  # an ordinary Sunday
    assert is_workday(D(2026, 10, 12)) is True


def test_a_year_without_holiday_data_is_counted_monday_to_friday_and_marked_estimated():
    first, last = covered_years()
    assert first <= 2020 and last >= 2026
    beyond = D(last + 1, 1, 4)
    assert is_workday(beyond) is None
    d = workday_deadline(D(last, 12, 28), 10, is_workday)
    assert d.estimated  # ran into a year the calendar does not hold
    assert not workday_deadline(D(2026, 9, 28), 10, is_workday).estimated


def test_the_start_day_is_not_counted_and_one_day_is_the_next_working_day():
    assert workday_deadline(D(2026, 10, 9), 1, is_workday).due == D(2026, 10, 10)  # Friday → the 调休 Saturday
    assert workday_deadline(D(2026, 9, 30), 1, is_workday).due == D(2026, 10, 8)  # over the holiday
    with pytest.raises(ValueError):
        workday_deadline(D(2026, 9, 30), 0, is_workday)


def test_overdue_is_after_the_due_day_not_on_it():
    d = workday_deadline(D(2026, 9, 28), 10, is_workday)
    assert not d.overdue(D(2026, 10, 16)) and d.overdue(D(2026, 10, 17))
    assert not d.overdue(D(2026, 12, 1), done=D(2026, 10, 16))  # decided on the last day: in time
    assert d.overdue(D(2026, 10, 17), done=D(2026, 10, 17))  # decided a day late
