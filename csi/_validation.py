"""Small checks that raise clear errors: what is wrong, where, and how to fix it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from csi.exceptions import CSIError

#: The report languages, defined once: a translatable text is a table with one entry per language.
LANGUAGES = ("zh", "en")

#: Yes/no words of rule, audit and operations tables (compared in lower case), defined once.
YES = ("1", "1.0", "true", "yes", "y", "是")
NO = ("0", "0.0", "false", "no", "n", "否")

#: Enterprise and study ids become file names: letters, digits, '_', '-', '.', not starting with '.'.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def suggest(name: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    choices = [str(c) for c in choices]
    same_case = [c for c in choices if c.lower() == str(name).lower()]  # 'q1' for 'Q1': difflib misses it
    close = same_case or difflib.get_close_matches(str(name), choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def yes_no(value: Any) -> bool | None:
    """True for a word of :data:`YES` (or True), False for one of :data:`NO` (or False), else None."""
    text = str(value).strip().lower()
    return True if text in YES else False if text in NO else None


def rows_text(rows: Sequence[Any], limit: int = 10) -> str:
    """'3 rows: 17, 40, 212' — row labels shown up to ``limit``."""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    more = f", … (+{len(rows) - limit} more)" if len(rows) > limit else ""
    return f"{len(rows)} row{'s' if len(rows) != 1 else ''}: {shown}{more}"


def check_id(value: Any, where: str, error: type[CSIError]) -> str:
    """Return ``value`` as an id usable as a file name, or raise ``error`` saying why not."""
    text = str(value)
    if not ID_PATTERN.match(text) or ".." in text:
        raise error(
            f"{where}: id {text!r} is not allowed; ids become file names, so use 1–64 letters, "
            "digits, '_', '-' or '.', starting with a letter or digit (no '/', no '..')."
        )
    return text


class KeyReader:
    """Read typed values out of a parsed TOML table, naming the file and key path in errors."""

    def __init__(self, table: Mapping[str, Any], file: Path | str, path: str, error: type[CSIError]):
        self.table, self.file, self.path, self.error = table, file, path, error

    def where(self, key: str | None = None) -> str:
        path = self.path if key is None else (f"{self.path}.{key}" if self.path else key)
        return f"{self.file}: [{path}]" if path else str(self.file)

    def fail(self, key: str | None, message: str) -> CSIError:
        return self.error(f"{self.where(key)}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False) -> Any:
        if key not in self.table:
            if required or default is ...:
                raise self.fail(key, f"required key is missing{suggest(key, self.table)}.")
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise self.fail(key, f"expected {names}, got {type(value).__name__} {value!r}.")
        return value

    def sub(self, key: str, default: Mapping | None = None) -> KeyReader:
        table = self.get(key, dict, {} if default is None else default)
        return KeyReader(table, self.file, f"{self.path}.{key}" if self.path else key, self.error)

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in self.table:
            if key not in allowed:
                raise self.fail(key, f"unknown key{suggest(key, allowed)}; allowed keys: {', '.join(allowed)}.")

    def text(self, key: str, default: Any = ...) -> dict[str, str]:
        """A translatable text: either a plain string (the same in every language) or a table
        {zh = ..., en = ...}; ``default`` when absent."""
        if key not in self.table and default is not ...:  # a default is the caller's, not the user's: no check
            return dict.fromkeys(LANGUAGES, default) if isinstance(default, str) else default and dict(default)
        value = self.get(key, (str, dict), default)
        if isinstance(value, str):
            return dict.fromkeys(LANGUAGES, value)
        if not value or not all(isinstance(v, str) for v in value.values()):
            raise self.fail(key, "expected a string or a table of strings by language, e.g. { zh = \"…\", en = \"…\" }.")
        return dict(value)
