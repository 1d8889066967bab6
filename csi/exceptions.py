"""One error tree for csi.

Every problem a user can cause raises a :class:`CSIError` subclass whose message says
what is wrong, where (file, key path, column, rows) and how to fix it. Value problems
also subclass :class:`ValueError`, so generic ``except ValueError`` handlers still work; a wrong
argument (:class:`ParameterError`) is a :class:`TypeError` and a :class:`ValueError` too.
"""

from __future__ import annotations


class CSIError(Exception):
    """Base class of every error csi raises on purpose."""


class ParameterError(CSIError, TypeError, ValueError):
    """A function of csi's API was called wrongly: an unknown or missing argument, too many positional
    arguments, or an option outside its allowed values (``ci="bogus"``, ``level=1.5``). The message names
    the function, the parameter, what was given, what is allowed and the closest allowed name. A
    :class:`TypeError` and a :class:`ValueError` too, so handlers of either still catch it. Problems with
    the *data* given are :class:`DataError`, :class:`SchemaError` or :class:`ModelSpecError`."""


class StudyError(CSIError, ValueError):
    """A study file (study.toml) is missing, malformed or inconsistent."""


class SchemaError(CSIError, ValueError):
    """A questionnaire or a responses file does not match what is declared."""


class ModelSpecError(CSIError, ValueError):
    """A model specification (syntax or preset) is malformed or does not fit the data."""


class DataError(CSIError, ValueError):
    """Data cannot be used for a computation (missing values, constant items, too few rows)."""


class ConvergenceError(CSIError, RuntimeError):
    """An iterative algorithm did not converge within its iteration limit."""


class ReportError(CSIError, RuntimeError):
    """A report could not be produced for an enterprise."""


class CSIWarning(UserWarning):
    """Base class of warnings csi emits (flags a user should see, not errors)."""
