"""The longest wait between two runs of a schedule: the part of a worst-case RPO that a schedule sets.

Two dialects: AWS's ``cron(min hour day-of-month month day-of-week year)`` and ``rate(value unit)`` (EventBridge User
Guide, "Using cron and rate expressions to schedule rules"; AWS Backup rules use the same cron), and the five-field
POSIX cron of GitHub Actions' ``schedule`` (day of week 0-6 from Sunday). The longest gap is found by listing every
run over 800 days from a fixed date (a leap year and every weekday and month included), so an expression such as
``0 5 ? * SUN *`` answers a week and ``0 */6 * * *`` six hours. Forms whose runs depend on more than this (``L``, ``W``,
``#``, a fixed year) answer None, and the model says UNKNOWN rather than guess.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import pairwise

MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday of a leap year
SPAN_DAYS = 800


class Unsupported(ValueError):
    """A schedule form the gap cannot be computed for."""


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    if re.search(r"[LW#]", field):
        raise Unsupported(f"{field!r}: L, W and # depend on the calendar month")
    found: set[int] = set()
    for token in field.split(","):
        part, _, step_text = token.partition("/")
        step = int(step_text) if step_text else 1
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _number(a, names), _number(b, names)
        else:
            start = _number(part, names)
            end = high if step_text else start
        if step < 1 or not low <= start <= high or not low <= end <= high or end < start:
            raise Unsupported(f"{token!r}: outside {low}-{high}")
        found.update(range(start, end + 1, step))
    return found


def _number(text: str, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise Unsupported(f"{text!r}: not a number or name")
    return int(text)


@cache
def max_gap_minutes(expression: str, dialect: str = "aws") -> float | None:
    """The longest time between two consecutive runs, in minutes; None when it cannot be computed."""
    text = expression.strip()
    try:
        if dialect == "aws":
            rate = RATE.fullmatch(text)
            if rate:
                return float(int(rate.group(1)) * UNIT_MINUTES[rate.group(2).rstrip("s")])
            inner = re.fullmatch(r"cron\((.+)\)", text)
            if not inner:
                return None
            fields = inner.group(1).split()
            if len(fields) != 6 or fields[5] not in ("*", "?"):
                return None
            minute, hour, dom, month, dow = fields[:5]
            dows = _values(dow, 1, 7, {d: i for i, d in enumerate(DAYS, 1)})
            weekday = {(d - 2) % 7 for d in dows}  # AWS: 1 = Sunday; Python: 0 = Monday
        elif dialect == "github":
            fields = text.split()
            if len(fields) != 5:
                return None
            minute, hour, dom, month, dow = fields
            dows = _values(dow, 0, 7, {d: i for i, d in enumerate(DAYS)})
            weekday = {(d - 1) % 7 for d in dows}  # POSIX: 0 and 7 = Sunday
        else:
            raise ValueError(f"dialect {dialect!r}: expected aws or github")
        minutes = _values(minute, 0, 59, {})
        hours = _values(hour, 0, 23, {})
        days = _values(dom, 1, 31, {})
        months = _values(month, 1, 12, MONTHS)
    except Unsupported:
        return None
    dom_restricted, dow_restricted = dom not in ("*", "?"), dow not in ("*", "?")
    times = sorted(h * 60 + m for h in hours for m in minutes)
    runs: list[datetime] = []
    for offset in range(SPAN_DAYS):
        day = START + timedelta(days=offset)
        if day.month not in months:
            continue
        by_dom, by_dow = day.day in days, day.weekday() in weekday
        if dom_restricted and dow_restricted:
            chosen = by_dom or by_dow  # POSIX cron: either field matching runs the job
        else:
            chosen = (by_dom or not dom_restricted) and (by_dow or not dow_restricted)
        if chosen:
            runs += [day + timedelta(minutes=t) for t in times]
    if len(runs) < 2:
        return None
    return max((b - a).total_seconds() / 60 for a, b in pairwise(runs))
