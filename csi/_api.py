"""The conventions of csi's public API, enforced in one place (docs/api.md).

* The things a function acts on come first and positionally (``estimate(model, data)``,
  ``bootstrap(fit)``); every option after them is keyword-only. :func:`public` records how many leading
  parameters are subjects (``tests/test_api.py`` checks every signature against it) and turns a wrong
  call — an unknown keyword, a missing argument, too many positional arguments — into a
  :class:`~csi.exceptions.ParameterError` naming the function, the argument, what is allowed and the
  closest name, instead of Python's bare ``TypeError``.
* An option outside its allowed values is a ParameterError too, raised by the ``check_*`` helpers here
  (one wording for every function): :func:`check_option` for a choice among names, :func:`check_level`,
  :func:`check_int`, :func:`check_number`, :func:`check_seed`, :func:`check_flag`.
* Problems with the data (a column, a value, a model that does not fit) stay DataError, SchemaError or
  ModelSpecError.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from csi._validation import shown, suggest
from csi.exceptions import ParameterError

__all__ = ["SEED", "check_flag", "check_int", "check_level", "check_number", "check_option", "check_seed",
           "parameter_error", "public"]

F = TypeVar("F", bound=Callable[..., Any])

#: The default seed of every function that draws random numbers: reproducible unless ``seed=None``.
SEED = 1
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def parameter_error(func: str, param: str, value: Any, allowed: str, choices: Iterable[str] = ()) -> ParameterError:
    """The one wording of a bad option: function, parameter, what was given, what is allowed, did-you-mean."""
    hint = suggest(value, choices) if isinstance(value, str) else ""
    return ParameterError(f"{func}(): {param}={shown(value)} is not allowed{hint}; {allowed}.")


def check_option(func: str, param: str, value: Any, allowed: Iterable[Any]) -> Any:
    """``value`` when it is one of ``allowed`` (names, or None), else a ParameterError listing them."""
    allowed = tuple(allowed)
    ok = any((a is None and value is None) or (isinstance(a, str) and isinstance(value, str) and value == a)
             or (isinstance(a, bool) and value is a) for a in allowed)
    if not ok:
        listed = ", ".join(repr(a) for a in allowed)
        raise parameter_error(func, param, value, f"use one of {listed}", [a for a in allowed if isinstance(a, str)])
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_level(func: str, value: Any, param: str = "level") -> float:
    """A confidence level strictly between 0 and 1 (e.g. 0.95)."""
    if not (_is_number(value) and 0.0 < float(value) < 1.0):
        raise parameter_error(func, param, value, "give a confidence level strictly between 0 and 1, e.g. 0.95")
    return float(value)


def check_int(func: str, param: str, value: Any, minimum: int = 0, *, allow_none: bool = False,
              maximum: int | None = None, what: str = "") -> Any:
    """An integer (not a bool) from ``minimum`` (to ``maximum``); ``what`` says what it counts."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum \
        and (maximum is None or value <= maximum)
    if not ok:
        span = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise parameter_error(func, param, value, f"give a whole number {span}{f' ({what})' if what else ''}"
                              f"{' or None' if allow_none else ''}")
    return value


def check_number(func: str, param: str, value: Any, *, above: float | None = None, at_least: float | None = None,
                 at_most: float | None = None, below: float | None = None, allow_none: bool = False) -> Any:
    """A real number (not a bool) within the given bounds."""
    if value is None and allow_none:
        return None
    ok = _is_number(value) and not math.isnan(value)  # NaN is not a number here
    bounds = []
    for bound, test, text in ((above, lambda v, b: v > b, "> {}"), (at_least, lambda v, b: v >= b, "≥ {}"),
                              (below, lambda v, b: v < b, "< {}"), (at_most, lambda v, b: v <= b, "≤ {}")):
        if bound is not None:
            bounds.append(text.format(bound))
            ok = ok and test(value, bound)
    if not ok:
        raise parameter_error(func, param, value, f"give a number{' ' + ' and '.join(bounds) if bounds else ''}"
                              f"{' or None' if allow_none else ''}")
    return value


def check_seed(func: str, value: Any, param: str = "seed") -> Any:
    """A seed for ``numpy.random.default_rng``: a non-negative integer, or None for fresh entropy."""
    if value is None:
        return None
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0):
        raise parameter_error(func, param, value, "give a non-negative whole number (reproducible; the default is "
                              f"{SEED}) or None (fresh entropy)")
    return value


def check_flag(func: str, param: str, value: Any) -> bool:
    """True or False (numpy's bool too), nothing else: ``"no"`` is not False."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise parameter_error(func, param, value, "give True or False")
    return bool(value)


def public(func: F | None = None, /, *, subjects: int = 1, renamed: Mapping[str, str] | None = None) -> F:
    """Mark ``func`` as public API: its first ``subjects`` parameters are the things it acts on, the rest are
    keyword-only (checked by tests/test_api.py). A wrong call raises :class:`ParameterError` (unknown keyword
    with did-you-mean, or the new name of a ``renamed`` one; missing argument; too many positional arguments)
    naming the function and its parameters. The wrapper keeps the signature (``functools.wraps``) and costs
    nothing on a good call: the arguments are checked only when the call itself raised a TypeError."""
    if func is None:
        return functools.partial(public, subjects=subjects, renamed=renamed)  # type: ignore[return-value]
    sig = inspect.signature(func)
    name = func.__qualname__.replace(".<locals>", "")
    params = list(sig.parameters.values())
    skip = 1 if "." in name and params and params[0].name in ("self", "cls") else 0
    old_names = dict(renamed or {})

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ParameterError:
            raise
        except TypeError:
            problem = _call_problem(name, sig, skip, args, kwargs, old_names)
            if problem is None:
                raise  # a TypeError from inside the function, not from the call
            raise ParameterError(problem) from None

    wrapper.__csi_subjects__ = subjects  # type: ignore[attr-defined]
    wrapper.__csi_renamed__ = old_names  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def call_text(name: str, sig: inspect.Signature, skip: int = 0) -> str:
    """``estimate(model, data, *, weights, scheme, …)``: the parameters in the order a call takes them."""
    parts, star = [], False
    for p in list(sig.parameters.values())[skip:]:
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        parts.append({inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}.get(p.kind, "")
                     + p.name)
        star = star or p.kind is inspect.Parameter.VAR_POSITIONAL
    return f"{name}({', '.join(parts)})"


def _call_problem(name: str, sig: inspect.Signature, skip: int, args: tuple, kwargs: dict,
                  renamed: Mapping[str, str]) -> str | None:
    """What is wrong with calling ``name`` with these arguments, or None when the call binds."""
    params = sig.parameters
    usage = call_text(name, sig, skip)
    own = list(params.values())[skip:]
    keywords = [p.name for p in own if p.kind not in (*_VARIADIC, inspect.Parameter.POSITIONAL_ONLY)]
    takes_any_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for key, value in kwargs.items():
        p = params.get(key)
        if (p is None and not takes_any_keyword) or (p is not None and p.name not in keywords):
            hint = f" (renamed {renamed[key]!r})" if key in renamed else suggest(key, keywords)
            return (f"{name}(): unknown argument {key}={shown(value)}{hint}; its arguments are: {usage}.")
    try:
        sig.bind(*args, **kwargs)
    except TypeError as exc:
        positional = [p.name for p in list(params.values())[skip:] if p.kind in _POSITIONAL]
        takes_any_positional = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params.values())
        given = len(args) - skip
        if given > len(positional) and not takes_any_positional:
            extra = args[skip + len(positional)]
            options = [k for k in keywords if k not in positional]
            return (f"{name}(): takes {len(positional)} positional argument{'s' if len(positional) != 1 else ''}"
                    f" ({', '.join(positional)}) but {given} were given; options are keyword-only: give "
                    f"{shown(extra)} by name, one of {', '.join(options)} ({usage}).")
        supplied = set(kwargs) | {p.name for p in list(params.values())[:len(args)] if p.kind in _POSITIONAL}
        missing = [p.name for p in list(params.values())[skip:] if p.default is p.empty and p.kind not in _VARIADIC
                   and p.name not in supplied]
        if missing:
            return f"{name}(): missing argument {missing[0]!r}; call it as {usage}."
        return f"{name}(): {exc}; call it as {usage}."
    return None
