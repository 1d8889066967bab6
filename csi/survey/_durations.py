"""Interview durations (the ``[screening] speeder_column``) as seconds, whatever way the survey platform wrote
them; a duration that cannot be read is an error naming the file, column and lines, never a missing value
(a speeder whose duration is missing would stay in the analysis).

Accepted, per cell (full-width digits and colons count as ordinary ones; blank = missing duration):

- seconds: ``45``, ``45.5``; a decimal comma ``1,5`` or ``45,25`` (one comma, then one or two digits) is
  1.5 and 45.25 seconds; ``1,500`` (a comma and three digits) is refused: a thousands separator or a decimal
  comma cannot be told apart;
- minutes:seconds ``0:45``, ``12:30``; hours:minutes:seconds ``1:02:03`` (seconds and, with hours, minutes
  as two digits below 60);
- with units, hours then minutes then seconds, each optional: ``45秒``, ``1分30秒``, ``2分钟``, ``1小时5分``,
  ``30 s``, ``30 sec``, ``2 min``, ``1 h 5 min``, ``1h30m``;
- numbers, and (from XLSX, Parquet) time-of-day and timedelta values, as they are.

Negative numbers, TRUE/FALSE and any other text are refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from csi._validation import SHOWN_CELLS, shown
from csi.exceptions import SchemaError

#: How the accepted forms are described in errors (and in the schema's description of speeder_column).
FORMS = ("seconds (45, 45.5, or 1,5 with a decimal comma; 1,500 is refused as ambiguous), minutes:seconds (0:45), "
         "hours:minutes:seconds (1:02:03), or with units (45秒, 1分30秒, 2分钟, 30 s, 2 min, 1 h 5 min)")

_NUMBER = r"\d+(?:[.,]\d+)?"
_CLOCK = re.compile(r"(?:(?P<h>\d+):(?P<hm>[0-5]\d)|(?P<m>\d+)):(?P<s>[0-5]\d(?:\.\d+)?)")
_UNITS = re.compile(
    rf"(?:(?P<h>{_NUMBER})\s*(?:小时|小時|时|時|hours?|hrs?|h))?\s*"
    rf"(?:(?P<m>{_NUMBER})\s*(?:分钟|分鐘|分|minutes?|mins?|m))?\s*"
    rf"(?:(?P<s>{_NUMBER})\s*(?:秒钟|秒鐘|秒|seconds?|secs?|s))?", re.IGNORECASE)


def _number(text: str) -> float | None:
    """'45', '45.5', '1,5' (decimal comma: one or two digits after it) as a number; '1,500' is ambiguous: None."""
    if "," in text:
        if not re.fullmatch(r"\d+,\d{1,2}", text):
            return None
        text = text.replace(",", ".")
    return float(text)


def parse_duration(value: Any) -> float | None:
    """Seconds of one duration cell; NaN for a blank cell, None when it is not a duration (see the module)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        return seconds if seconds >= 0 else None
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return number if math.isnan(number) or 0 <= number < math.inf else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return math.nan
    if re.fullmatch(_NUMBER, text):
        return _number(text)
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours = int(clock["h"] or 0)
        minutes = int(clock["hm"] if clock["h"] is not None else clock["m"])
        return hours * 3600 + minutes * 60 + float(clock["s"])
    units = _UNITS.fullmatch(text)
    if units and any(units.groupdict().values()):
        parts = [_number(units[k]) if units[k] else 0.0 for k in ("h", "m", "s")]
        if any(p is None for p in parts):
            return None
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    return None


def durations(column: pd.Series, name: str, rows: Any = None) -> pd.Series:
    """The column as seconds (NaN where blank); every cell that is not a duration is listed in one
    :class:`SchemaError` naming the column and, through ``rows`` (``df.attrs["rows"]`` of
    :func:`csi.read_responses`), the file and line of each."""
    if pd.api.types.is_timedelta64_dtype(column):
        seconds = column.dt.total_seconds()
        bad = seconds < 0
    elif pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        seconds = column.astype(float)
        bad = (seconds < 0) | np.isinf(seconds)
    else:
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
        parsed = [parse_duration(v) for v in distinct]
        ok = np.array([p is not None for p in parsed] + [True], dtype=bool)
        values = np.array([math.nan if p is None else p for p in parsed] + [math.nan], dtype=float)
        seconds = pd.Series(values[codes], index=column.index)
        bad = pd.Series(~ok[codes], index=column.index)
    if bad.any():
        raise SchemaError(_message(column, bad, name, rows))
    return seconds.where(~bad)


def _message(column: pd.Series, bad: pd.Series, name: str, rows: Any) -> str:
    labels = list(column.index[bad.to_numpy()])
    places: dict[str, list[str]] = {}
    for label in labels[:SHOWN_CELLS]:
        where = rows.where(label) if rows is not None and isinstance(label, int | np.integer) else ("", f"row {label}")
        places.setdefault(where[0], []).append(f"{where[1]}: {_value(column[label])}")
    single = len(places) == 1  # one file: it leads the message; several: each names its own cells
    listing = "; ".join(f"{source + ' ' if source and not single else ''}{', '.join(cells)}"
                        for source, cells in places.items())
    more = f"; {len(labels) - SHOWN_CELLS} more not shown" if len(labels) > SHOWN_CELLS else ""
    lead = next(iter(places)) if single else ""
    return (f"{lead + ': ' if lead else ''}[screening].speeder_column: {len(labels)} value"
            f"{'s' if len(labels) != 1 else ''} of column {name!r} "
            f"{'are' if len(labels) != 1 else 'is'} not a duration: {listing}{more}. Durations are {FORMS}; a "
            "blank cell is a missing duration. Correct them, or remove speeder_column from [screening].")


def _value(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    return shown(value)
