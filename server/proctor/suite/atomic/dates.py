"""Dates and times with the standard library only; dates are ISO strings (YYYY-MM-DD)."""

from proctor.suite.spec import atomic
from proctor.suite.types import dates, ints

TOPIC = "dates"
DATE = dates()


@atomic(
    TOPIC,
    [("2024-01-01",), ("2000-02-29",), ("1970-01-01",), ("1999-12-31",), ("2023-07-04",)],
    [DATE],
    formats={"date": "date"},
)
def day_of_week(date: str) -> str:
    """Return the English weekday name ("Monday" ... "Sunday") of the ISO date (YYYY-MM-DD)."""
    import datetime

    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return names[datetime.date.fromisoformat(date).weekday()]


@atomic(TOPIC, [(1900,), (2000,), (2023,), (2024,), (4,), (2100,)], [ints(1800, 2400)])
def is_leap_year(year: int) -> bool:
    """Return True if year is a leap year in the Gregorian calendar (divisible by 4, except centuries
    not divisible by 400)."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@atomic(
    TOPIC,
    [
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01", "2024-03-01"),
        ("2023-01-01", "2023-03-01"),
        ("2024-12-31", "2024-01-01"),
        ("1900-01-01", "2000-01-01"),
    ],
    [DATE, DATE],
    formats={"start": "date", "end": "date"},
)
def days_between(start: str, end: str) -> int:
    """Return the number of days from the ISO date start to the ISO date end (negative if end is earlier)."""
    import datetime

    return (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days


@atomic(
    TOPIC,
    [("2024-02-28", 1), ("2023-02-28", 1), ("2024-01-01", -1), ("2024-12-31", 0), ("2000-01-01", 10000)],
    [DATE, ints(-400, 400)],
    formats={"date": "date", "return": "date"},
)
def add_days(date: str, days: int) -> str:
    """Return the ISO date that is days days after the ISO date date (days may be negative).
    Raise ValueError if the result falls outside years 1 to 9999."""
    import datetime

    try:
        return (datetime.date.fromisoformat(date) + datetime.timedelta(days=days)).isoformat()
    except OverflowError as exc:
        raise ValueError("date out of range") from exc


@atomic(TOPIC, [(2024, 2), (2023, 2), (1900, 2), (2000, 2), (2023, 12), (2023, 4)], [ints(1900, 2100), ints(1, 12)])
def days_in_month(year: int, month: int) -> int:
    """Return the number of days in the given month (1-12) of the given year.
    Raise ValueError if the month or year is invalid."""
    import calendar

    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        raise ValueError("invalid month or year")
    return calendar.monthrange(year, month)[1]


@atomic(
    TOPIC,
    [("2024-01-01",), ("2024-12-31",), ("2023-12-31",), ("2024-03-01",), ("2023-03-01",)],
    [DATE],
    formats={"date": "date"},
)
def day_of_year(date: str) -> int:
    """Return the position of the ISO date within its year (1 for January 1st)."""
    import datetime

    return datetime.date.fromisoformat(date).timetuple().tm_yday


@atomic(TOPIC, [(0,), (59,), (60,), (3599,), (3600,), (90061,)], [ints(0, 200000)], formats={"return": "hms"})
def seconds_to_hms(seconds: int) -> str:
    """Format a number of seconds as "H:MM:SS" (hours not padded and not wrapped at 24).
    Raise ValueError if seconds is negative."""
    if seconds < 0:
        raise ValueError("negative duration")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@atomic(
    TOPIC,
    [("0:00:00",), ("0:00:59",), ("1:00:00",), ("25:01:01",), ("100:59:59",)],
    [lambda rng: f"{rng.randint(0, 30)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"],
    formats={"text": "hms"},
)
def hms_to_seconds(text: str) -> int:
    """Parse a duration written "H:MM:SS" (hours any number of digits) and return it in seconds.
    Raise ValueError if text is not in that form or minutes or seconds exceed 59."""
    import re

    match = re.fullmatch(r"(\d+):([0-5]\d):([0-5]\d)", text)
    if match is None:
        raise ValueError("not H:MM:SS")
    hours, minutes, seconds = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


@atomic(
    TOPIC,
    [("2024-01-01",), ("2021-01-03",), ("2020-12-31",), ("2026-12-28",), ("2027-01-01",)],
    [DATE],
    formats={"date": "date"},
)
def week_number(date: str) -> int:
    """Return the ISO 8601 week number (1-53) of the ISO date."""
    import datetime

    return datetime.date.fromisoformat(date).isocalendar()[1]


@atomic(TOPIC, [(1,), (2,), (6,), (9,), (12,)], [ints(1, 12)])
def month_name(month: int) -> str:
    """Return the English name of month 1-12 ("January" ... "December"). Raise ValueError otherwise."""
    names = (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    )  # fmt: skip
    if not 1 <= month <= 12:
        raise ValueError("month must be 1-12")
    return names[month - 1]
