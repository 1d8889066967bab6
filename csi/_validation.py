"""Small checks that raise clear errors: what is wrong, where, and how to fix it."""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from csi.exceptions import CSIError

#: The report languages, defined once: a translatable text is a table with one entry per language.
LANGUAGES = ("zh", "en")

#: Yes/no words of rule, audit and operations tables (compared in lower case), defined once.
YES = ("1", "1.0", "true", "yes", "y", "是")
NO = ("0", "0.0", "false", "no", "n", "否")

#: Enterprise and study ids become file names (``<id>.<lang>.<ext>``): 1–64 letters, digits, '_' and '-',
#: starting with a letter or digit. No '.': the part of an output's name before its first '.' is then the
#: id, so no two ids, languages or formats give the same name (see :func:`check_id`).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
#: Names of a batch's own outputs (``overview.<lang>.<ext>``, ``index.html``, ``manifest.json``): no id may be
#: one of them, in any case.
RESERVED_OUTPUT_NAMES = ("overview", "index", "manifest")
#: Windows device names: a file named ``CON``, ``con.html`` or ``COM1.zh.pdf`` cannot be created there.
RESERVED_DEVICE_NAMES = ("CON", "PRN", "AUX", "NUL", *(f"COM{k}" for k in range(10)),
                         *(f"LPT{k}" for k in range(10)))


#: Columns csi adds to the respondent data: each respondent's survey weight, and the industry a pooled industry
#: benchmark groups by. A questionnaire or responses column of one of these names is refused (it would be
#: overwritten), and a [data] strata / cluster column may not be one.
WEIGHT_COLUMN = "csi_weight"
INDUSTRY_COLUMN = "csi_industry"
RESERVED_COLUMNS = (WEIGHT_COLUMN, INDUSTRY_COLUMN)


def reserved_column_problem(name: str) -> str | None:
    """Why ``name`` cannot be a column of the questionnaire or the responses, or None."""
    if str(name) not in RESERVED_COLUMNS:
        return None
    return (f"column name {str(name)!r} is reserved for a column csi adds to the data (reserved: "
            f"{', '.join(RESERVED_COLUMNS)}); rename it in the questionnaire and the responses")


def resolve_path(path: str | Path) -> Path:
    """``path`` made absolute with its symbolic links resolved, never raising: a symbolic link loop stays as it
    is, for :func:`regular_file` to name (``Path.resolve`` raises RuntimeError on one in Python 3.11)."""
    return Path(os.path.realpath(os.path.abspath(path)))


def path_problem(path: str | Path, folder: bool = False) -> str | None:
    """Why ``path`` cannot be read as a regular file (a folder when ``folder``), or None when it can.

    Checked before anything opens the path: a named pipe (FIFO) would block the reader for ever, a device
    would be read without end, a symbolic link loop or a folder would fail with a traceback.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop (a link that points, through other links, back to itself); fix the link"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "folder not found" if folder else "file not found"
        return f"cannot be read: {exc.strerror or exc}"
    except ValueError as exc:  # e.g. an embedded NUL byte
        return f"is not a usable path: {exc}"
    if folder:
        return None if stat.S_ISDIR(mode) else "is not a folder"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder; give the path of a file"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"is {kind}, not a regular file; csi reads only regular files (save the data to a file and give its path)"


def regular_file(path: str | Path, error: type[CSIError], where: str = "") -> Path:
    """``path`` as a :class:`Path` when it is a regular file, else ``error`` naming it and why
    (``where`` prefixes the message, e.g. the study file's key)."""
    problem = path_problem(path)
    if problem:
        raise error(f"{where}{path}: {problem}.")
    return Path(path)


def is_ascii_whole_number(text: str) -> bool:
    """True for ASCII digits only ('12'), False for '12²', '１２' or '٣' (``str.isdigit`` accepts those, and
    ``int`` rejects '²')."""
    return bool(text) and text.isascii() and text.isdigit()


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


#: How many characters of a cell value an error message shows (:func:`shown`).
SHOWN_CHARS = 60
#: How many bad cells or problems one error lists (besides their count): enough to see the pattern, short
#: enough to read.
SHOWN_CELLS = 20


def shown(value: Any, limit: int = SHOWN_CHARS, *, quote: bool = True) -> str:
    """A value from a user's file as an error message may print it: text in quotes (``quote=False``: without),
    anything else as its ``repr``; cut to ``limit`` characters with '…' and the length (a 10 MB cell is not
    echoed whole), control characters escaped (NUL as ``\\x00``, an ANSI escape as ``\\x1b``, a line break as
    ``\\n``) so that the message cannot garble or recolour a terminal.

    >>> shown("很好"), shown("a\\x00b"), shown(7.5), shown("x" * 100, 5)
    ("'很好'", "'a\\\\x00b'", '7.5', "'xxxxx'… (100 characters)")
    """
    text = value if isinstance(value, str) else repr(value)
    cut = text[:limit]
    # repr escapes exactly the characters str.isprintable() refuses: C0/C1 controls, line and paragraph
    # separators, bidi overrides; CJK and other printable text is kept as it is
    out = repr(cut) if isinstance(value, str) else "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in cut)
    if isinstance(value, str) and not quote:
        out = out[1:-1]
    return out if len(text) <= limit else f"{out}… ({len(text):,} characters)"


def rows_text(rows: Sequence[Any], limit: int = 10) -> str:
    """'3 rows: 17, 40, 212' — row labels shown up to ``limit``."""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    more = f", … (+{len(rows) - limit} more)" if len(rows) > limit else ""
    return f"{len(rows)} row{'s' if len(rows) != 1 else ''}: {shown}{more}"


def id_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an enterprise or study id (it names files), or None when it can.

    The rule makes output names collision-free: a report is ``<id>.<lang>.<ext>`` and an id has no '.',
    so the part of any output's name before its first '.' is the id (or ``overview``, ``index``,
    ``manifest``, which no id may be); ids that differ only in case are refused where a study lists them
    (:func:`csi.io.load_study`), since Windows and macOS file systems ignore case.
    """
    text = str(value)
    if "." in text and text.split(".")[0].upper() in RESERVED_DEVICE_NAMES:
        return (f"{text.split('.')[0]!r} is a reserved device name on Windows (CON, PRN, AUX, NUL, COM0–COM9, "
                "LPT0–LPT9, in any case and with any extension), and ids may not contain '.' (a report is named "
                "<id>.<lang>.<ext>)")
    if not ID_PATTERN.match(text):
        return ("ids become file names (a report is <id>.<lang>.<ext>), so use 1–64 letters, digits, '_' or '-', "
                "starting with a letter or digit (no '.', '/' or spaces)")
    if text.upper() in RESERVED_DEVICE_NAMES:
        return (f"{text!r} is a reserved device name on Windows (CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9, in any "
                "case): no file of that name can be written there")
    if text.lower() in RESERVED_OUTPUT_NAMES:
        return (f"{text!r} names a batch's own output ({', '.join(RESERVED_OUTPUT_NAMES)}, in any case: "
                "overview.<lang>.html, index.html, manifest.json); use another id")
    return None


def check_id(value: Any, where: str, error: type[CSIError]) -> str:
    """Return ``value`` as an id usable as a file name, or raise ``error`` saying why not (:func:`id_problem`)."""
    text = str(value)
    problem = id_problem(text)
    if problem:
        raise error(f"{where}: id {text!r} is not allowed; {problem}.")
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
