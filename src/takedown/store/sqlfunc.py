"""SQL expressions the figures need that SQLite and PostgreSQL spell differently: seconds between
two stored times, the UTC day of a time, a percentile aggregate and the domain of an address.

PostgreSQL gets its native forms (``EXTRACT(EPOCH ...)``, ``percentile_cont``); SQLite gets
functions registered on every connection (:func:`register_sqlite`) that compute the same value
in Python, so that both databases give the same figures and no rows travel to be summarised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import quantiles
from typing import Any

from sqlalchemy import Float, Integer, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


def quantile(values: list[float], percent: int) -> float | None:
    """The ``percent``-th percentile of ``values``, interpolated linearly between the closest
    ranks (Python's "inclusive" method, PostgreSQL's ``percentile_cont``); None without values."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return quantiles(values, n=100, method="inclusive")[percent - 1]


class elapsed_seconds(FunctionElement[float]):  # noqa: N801 (an SQL function's name)
    """Seconds from the first time to the second, never negative; NULL when either is."""

    type = Float()
    name = "td_elapsed"
    inherit_cache = True


class utc_day(FunctionElement[Any]):  # noqa: N801
    """The UTC calendar day of a stored time (a date, or its ISO text on SQLite)."""

    type = String()
    name = "td_utc_day"
    inherit_cache = True


class address_domain(FunctionElement[str]):  # noqa: N801
    """What follows the last "@" of an address, in lower case (the whole text without "@")."""

    type = String()
    name = "td_domain"
    inherit_cache = True


class percentile_of(FunctionElement[float]):  # noqa: N801
    """Aggregate: the ``percent``-th percentile of the non-NULL values (see :func:`quantile`)."""

    type = Float()
    name = "td_percentile"
    inherit_cache = True

    def __init__(self, value: ColumnElement[Any], percent: int) -> None:
        if not 1 <= percent <= 99:
            raise ValueError("percent must be 1..99")
        super().__init__(value, literal(percent, Integer()))


def _args(compiler: SQLCompiler, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses.clauses]


@compiles(elapsed_seconds, "postgresql")
def _elapsed_pg(element: elapsed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    seconds = f"EXTRACT(EPOCH FROM ({end}) - ({start}))::float8"
    # Not GREATEST: it would turn a missing time (NULL) into 0.
    return f"(CASE WHEN {seconds} < 0 THEN 0.0 ELSE {seconds} END)"


@compiles(utc_day, "postgresql")
def _day_pg(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(compiler, element, **kw)
    return f"CAST(timezone('UTC', {value}) AS DATE)"


@compiles(address_domain, "postgresql")
def _domain_pg(element: address_domain, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(compiler, element, **kw)
    return f"lower(regexp_replace({value}, '^.*@', ''))"


@compiles(percentile_of, "postgresql")
def _percentile_pg(element: percentile_of, compiler: SQLCompiler, **kw: Any) -> str:
    value, percent = _args(compiler, element, **kw)
    return f"percentile_cont(CAST({percent} AS float8) / 100) WITHIN GROUP (ORDER BY {value})"


@compiles(elapsed_seconds)
@compiles(utc_day)
@compiles(address_domain)
@compiles(percentile_of)
def _registered(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    """Elsewhere (SQLite): a call of the function :func:`register_sqlite` registers."""
    return f"{element.name}({', '.join(_args(compiler, element, **kw))})"


def _time(raw: Any) -> datetime | None:
    if raw is None:
        return None
    value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _elapsed(start: Any, end: Any) -> float | None:
    a, b = _time(start), _time(end)
    if a is None or b is None:
        return None
    return max(0.0, (b - a).total_seconds())


def _day(raw: Any) -> str | None:
    value = _time(raw)
    return None if value is None else value.date().isoformat()


def _domain(raw: Any) -> str | None:
    return None if raw is None else str(raw).rpartition("@")[2].lower()


class _Percentile:
    def __init__(self) -> None:
        self.values: list[float] = []
        self.percent = 50

    def step(self, value: Any, percent: int) -> None:
        if value is not None:
            self.values.append(float(value))
        self.percent = int(percent)

    def finalize(self) -> float | None:
        return quantile(self.values, self.percent)


def register_sqlite(dbapi_conn: Any) -> None:
    """Give a new SQLite connection the functions above."""
    dbapi_conn.create_function("td_elapsed", 2, _elapsed, deterministic=True)
    dbapi_conn.create_function("td_utc_day", 1, _day, deterministic=True)
    dbapi_conn.create_function("td_domain", 1, _domain, deterministic=True)
    dbapi_conn.create_aggregate("td_percentile", 2, _Percentile)
