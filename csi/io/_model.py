"""PLS path models: measurement blocks, modes and structural paths.

A :class:`Model` is written in the lavaan-style syntax that seminr, cSEM and
plspm users know::

    # measurement model
    Image        =~ IMAG1 + IMAG2 + IMAG3     # Mode A (reflective, correlation weights)
    Value        <~ PERV1 + PERV2             # Mode B (formative, regression weights)
    # structural model
    Satisfaction ~ Image + Value

One statement per line; ``#`` starts a comment. The structural model must be
recursive (acyclic) and every construct must take part in at least one path,
because PLS path modeling builds each construct's inner proxy from its
neighbours (Lohmöller 1989; Tenenhaus et al. 2005). A model has at most
:data:`MAX_CONSTRUCTS` (100) constructs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary
from csi._validation import path_problem
from csi.exceptions import ModelSpecError

__all__ = ["Model"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
#: The most constructs a model may have. A CSI model has a handful; the total effects (IPMA) and the bootstrap
#: grow with the fourth power of the number of constructs, so a model far larger would run for hours.
MAX_CONSTRUCTS = 100
_OPERATORS = {"=~": "A", "<~": "B", "~": None}
_HINT = "expected 'Construct =~ ITEM1 + ITEM2', 'Construct <~ ITEM1 + ITEM2' or 'Target ~ Source1 + Source2'"

#: Maps a key (("block", construct) or ("path", source, target)) to a location prefix.
Where = Callable[[tuple[str, ...]], str]


def _default_where(key: tuple[str, ...]) -> str:
    if key[0] == "block":
        return f"construct {key[1]!r}"
    return f"path '{key[1]} -> {key[2]}'"


def _suggest(name: str, known: Iterable[str]) -> str:
    known = list(known)
    same_case = [k for k in known if k.lower() == name.lower()]
    close = same_case or difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, repr=False)
class Model(Display):
    """A PLS path model: constructs, their item blocks and modes, and structural paths.

    Parameters
    ----------
    constructs : tuple of str
        Construct names in declaration order.
    blocks : mapping of str to tuple of str
        Items measuring each construct (an item belongs to exactly one block).
    modes : mapping of str to {"A", "B"}
        Outer estimation mode: "A" (reflective, correlation weights) or
        "B" (formative, regression weights), as in Wold's PLS algorithm.
    paths : tuple of (str, str)
        Structural paths ``(source, target)``; the graph must be acyclic.
    lower_is_better : tuple of str, optional
        Constructs where a higher score is worse (e.g. a complaint-frequency block). Their indices are
        computed as for any construct; what is favourable (strengths, satisfied rates, IPMA performance,
        report wording) is read the other way. Default: higher is better everywhere.

    Raises
    ------
    ModelSpecError
        When the specification is inconsistent; the message names the construct,
        path or (for :meth:`from_syntax`) the line, and how to fix it.

    Notes
    -----
    Syntax follows lavaan's operators as used by seminr and cSEM (``=~`` Mode A,
    ``<~`` Mode B, ``~`` regression).
    """

    constructs: tuple[str, ...]
    blocks: Mapping[str, tuple[str, ...]]
    modes: Mapping[str, str]
    paths: tuple[tuple[str, str], ...]
    lower_is_better: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        constructs = tuple(self.constructs)
        blocks = {c: tuple(items) for c, items in dict(self.blocks).items()}
        modes = dict(self.modes)
        paths = tuple((str(s), str(t)) for s, t in self.paths)
        _check(constructs, blocks, modes, paths, _default_where)
        if isinstance(self.lower_is_better, str):
            raise ModelSpecError(f"lower_is_better: give a list of constructs, e.g. [{self.lower_is_better!r}]")
        lower = tuple(dict.fromkeys(str(c) for c in self.lower_is_better))
        unknown = [c for c in lower if c not in constructs]
        if unknown:
            raise ModelSpecError(f"lower_is_better: {', '.join(map(repr, unknown))} is not a construct of the model; "
                                 f"constructs: {', '.join(constructs)}")
        object.__setattr__(self, "constructs", constructs)
        object.__setattr__(self, "blocks", MappingProxyType({c: blocks[c] for c in constructs}))
        object.__setattr__(self, "modes", MappingProxyType({c: modes[c] for c in constructs}))
        object.__setattr__(self, "paths", paths)
        object.__setattr__(self, "lower_is_better", lower)

    def __hash__(self) -> int:
        return hash((self.constructs, tuple(self.blocks.items()), tuple(self.modes.items()), self.paths,
                     self.lower_is_better))

    def direction(self, construct: str) -> int:
        """+1 where a higher score is better, −1 for a construct declared lower-is-better."""
        return -1 if construct in self.lower_is_better else 1

    # ------------------------------------------------------------------ builders
    @classmethod
    @public(subjects=1)
    def from_syntax(cls, text: str, *, source: str | None = None, lower_is_better: Iterable[str] = ()) -> Model:
        """Parse lavaan-style model syntax (one statement per line).

        Parameters
        ----------
        text : str
            Model syntax; see the module docstring.
        source : str, optional
            File name used to prefix error locations.
        lower_is_better : constructs where a higher score is worse (see :class:`Model`).

        Returns
        -------
        Model

        Raises
        ------
        ModelSpecError
            Naming the line number and text of the offending statement.
        """
        if not isinstance(text, str):
            raise ModelSpecError(f"{source or 'model syntax'}: expected the model as text (str), "
                                 f"got {type(text).__name__}; read the file first or use Model.from_file")
        constructs: list[str] = []
        blocks: dict[str, tuple[str, ...]] = {}
        modes: dict[str, str] = {}
        paths: list[tuple[str, str]] = []
        where_of: dict[tuple[str, ...], str] = {}
        prefix = f"{source} " if source else ""
        for number, raw in enumerate(text.splitlines(), start=1):
            code = raw.split("#", 1)[0].strip()
            if not code:
                continue
            loc = f"{prefix}line {number} {code!r}"
            lhs, op, rhs = _split_statement(code, loc)
            if op == "~":
                for src in rhs:
                    if ("path", src, lhs) in where_of:
                        raise ModelSpecError(
                            f"{loc}: path '{src} -> {lhs}' is already declared at "
                            f"{where_of[('path', src, lhs)]}; declare each path once"
                        )
                    where_of[("path", src, lhs)] = loc
                    paths.append((src, lhs))
                continue
            if lhs in blocks:
                raise ModelSpecError(
                    f"{loc}: construct {lhs!r} already has a measurement block at "
                    f"{where_of[('block', lhs)]}; list all its items in one statement"
                )
            constructs.append(lhs)
            blocks[lhs] = rhs
            modes[lhs] = _OPERATORS[op] or "A"
            where_of[("block", lhs)] = loc
        if not constructs:
            raise ModelSpecError(
                f"{prefix or 'model syntax '}has no measurement block; {_HINT}".strip()
            )
        paths_t = tuple(paths)
        _check(tuple(constructs), blocks, modes, paths_t, lambda key: where_of.get(key) or _default_where(key))
        return cls(tuple(constructs), blocks, modes, paths_t, tuple(lower_is_better))

    @classmethod
    @public(subjects=1)
    def from_file(cls, path: str | Path, *, lower_is_better: Iterable[str] = ()) -> Model:
        """Read a model from a syntax file (UTF-8); errors name the file and line."""
        p = Path(path)
        problem = path_problem(p)  # before opening: a named pipe would block for ever
        if problem == "file not found":
            raise ModelSpecError(f"model file not found: {str(p)!r}; check the path")
        if problem:
            raise ModelSpecError(f"model file {str(p)!r} {problem}")
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelSpecError(f"model file {str(p)!r} cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ModelSpecError(f"model file {str(p)!r} is not UTF-8 text: {exc}; save it as UTF-8") from None
        return cls.from_syntax(text, source=str(p), lower_is_better=lower_is_better)

    # ------------------------------------------------------------------ helpers
    @property
    def items(self) -> tuple[str, ...]:
        """All items, block by block in declaration order."""
        return tuple(i for c in self.constructs for i in self.blocks[c])

    def predecessors(self, construct: str) -> tuple[str, ...]:
        """Constructs with a path into ``construct`` (in path declaration order)."""
        self._known(construct)
        return tuple(s for s, t in self.paths if t == construct)

    def successors(self, construct: str) -> tuple[str, ...]:
        """Constructs that ``construct`` has a path into (in path declaration order)."""
        self._known(construct)
        return tuple(t for s, t in self.paths if s == construct)

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs with at least one predecessor, in declaration order."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    @property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs without predecessors, in declaration order."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c not in targets)

    def construct_of(self, item: str) -> str:
        """The construct whose block contains ``item``."""
        for c in self.constructs:
            if item in self.blocks[c]:
                return c
        raise ModelSpecError(f"item {item!r} is in no measurement block; items: {', '.join(self.items)}")

    def __reduce__(self):
        # read-only mappings do not pickle; a model is fully described by its syntax and direction
        return (_from_syntax, (self.to_syntax(), self.lower_is_better))

    def to_syntax(self) -> str:
        """Render the model as syntax that :meth:`from_syntax` reads back unchanged."""
        width = max(len(c) for c in self.constructs)
        lines = ["# measurement model"]
        for c in self.constructs:
            op = "=~" if self.modes[c] == "A" else "<~"
            lines.append(f"{c:<{width}} {op} {' + '.join(self.blocks[c])}")
        lines.append("# structural model")
        for t in self.endogenous:
            lines.append(f"{t:<{width}} ~  {' + '.join(self.predecessors(t))}")
        return "\n".join(lines) + "\n"

    def _card(self) -> Card:
        blocks = [f"{c} ({len(self.blocks[c])}{', formative' if self.modes[c] == 'B' else ''})" for c in self.constructs]
        facts = [("blocks", blocks), *((f"{t} ←", self.predecessors(t)) for t in self.endogenous)]
        if self.lower_is_better:
            facts.append(("lower is better", self.lower_is_better))
        return Card("Model", f"{len(self.constructs)} constructs, {len(self.items)} items, {len(self.paths)} paths",
                    facts, more=(".blocks", ".paths", ".to_syntax()", ".summary()"))

    def summary(self) -> Summary:
        """The model's syntax, its blocks (items, mode, direction) and its paths."""
        blocks = pd.DataFrame([{"construct": c, "mode": self.modes[c], "items": " + ".join(self.blocks[c]),
                                "lower_is_better": c in self.lower_is_better} for c in self.constructs])
        paths = pd.DataFrame(list(self.paths), columns=["source", "target"])
        return self._card().summary({"blocks": blocks, "paths": paths}, ["", *self.to_syntax().splitlines()])

    def _known(self, construct: str) -> None:
        if construct not in self.blocks:
            raise ModelSpecError(
                f"unknown construct {construct!r}{_suggest(construct, self.constructs)}; "
                f"constructs: {', '.join(self.constructs)}"
            )


def _split_statement(code: str, loc: str) -> tuple[str, str, tuple[str, ...]]:
    """Split ``lhs OP term + term`` into its parts, checking operator and names."""
    pos = code.find("~")
    if pos < 0:
        other = re.search(r"[^\w\s.+]+", code)
        what = f"unknown operator {other.group()!r}" if other else "no operator found"
        raise ModelSpecError(f"{loc}: {what}; {_HINT}")
    before = code[pos - 1] if pos > 0 else ""
    after = code[pos + 1] if pos + 1 < len(code) else ""
    if after == "~":
        raise ModelSpecError(f"{loc}: unknown operator '~~' (covariances are not part of PLS path models); {_HINT}")
    if before in "=<" and before:
        op, lhs, rhs_text = before + "~", code[: pos - 1], code[pos + 1 :]
    elif before and before in "!>-:*/|^%&@$":
        raise ModelSpecError(f"{loc}: unknown operator '{before}~'; {_HINT}")
    else:
        op, lhs, rhs_text = "~", code[:pos], code[pos + 1 :]
    lhs = lhs.strip()
    if not lhs:
        raise ModelSpecError(f"{loc}: missing construct name before '{op}'; {_HINT}")
    _check_name(lhs, loc, "construct")
    terms = [t.strip() for t in rhs_text.split("+")]
    if terms == [""]:
        what = "empty block: no items" if op != "~" else "no source constructs"
        raise ModelSpecError(f"{loc}: {what} after '{op}'; {_HINT}")
    if "" in terms:
        raise ModelSpecError(f"{loc}: empty term between '+' signs; remove the extra '+'")
    kind = "construct" if op == "~" else "item"
    for t in terms:
        _check_name(t, loc, kind)
    dup = sorted({t for t in terms if terms.count(t) > 1})
    if dup:
        raise ModelSpecError(f"{loc}: {', '.join(map(repr, dup))} listed twice; list each {kind} once")
    return lhs, op, tuple(terms)


def _check_name(name: str, loc: str, kind: str) -> None:
    if not _NAME.match(name):
        raise ModelSpecError(
            f"{loc}: invalid {kind} name {name!r}; names start with a letter or '_' and contain "
            "only letters, digits, '_' and '.' (no spaces, no '*' modifiers)"
        )


def _check(
    constructs: tuple[str, ...],
    blocks: Mapping[str, tuple[str, ...]],
    modes: Mapping[str, str],
    paths: tuple[tuple[str, str], ...],
    where: Where,
) -> None:
    """Validate a model; ``where`` turns a block/path key into a location prefix."""
    _check_blocks(constructs, blocks, modes, where)
    known = set(constructs)
    seen: set[tuple[str, str]] = set()
    for s, t in paths:
        for name in (t, s):
            if name not in known:
                raise ModelSpecError(
                    f"{where(('path', s, t))}: unknown construct {name!r}{_suggest(name, constructs)}; "
                    f"declared constructs: {', '.join(constructs)}; add a measurement block "
                    f"'{name} =~ ...' or fix the name"
                )
        if (s, t) in seen:
            raise ModelSpecError(f"{where(('path', s, t))}: path '{s} -> {t}' declared twice; declare it once")
        seen.add((s, t))
    in_paths = {c for p in paths for c in p}
    for c in constructs:
        if c not in in_paths:
            raise ModelSpecError(
                f"{where(('block', c))}: construct {c!r} takes part in no structural path; PLS path "
                f"modeling needs every construct connected; add a path such as 'Target ~ {c}' or remove the block"
            )
    _check_acyclic(constructs, paths, where)


def _check_blocks(
    constructs: tuple[str, ...],
    blocks: Mapping[str, tuple[str, ...]],
    modes: Mapping[str, str],
    where: Where,
) -> None:
    if not constructs:
        raise ModelSpecError(f"model has no constructs; {_HINT}")
    if len(constructs) > MAX_CONSTRUCTS:
        raise ModelSpecError(f"the model has {len(constructs):,} constructs; csi estimates models of at most "
                             f"{MAX_CONSTRUCTS} (a CSI model has a handful; the total effects and the bootstrap of a "
                             "model far larger would run for hours). Merge constructs, or model fewer of them.")
    if len(set(constructs)) != len(constructs):
        dup = sorted({c for c in constructs if constructs.count(c) > 1})
        raise ModelSpecError(f"construct(s) {', '.join(dup)} declared more than once; declare each once")
    if set(blocks) != set(constructs) or set(modes) != set(constructs):
        raise ModelSpecError(
            "blocks and modes must have exactly one entry per construct; constructs: "
            f"{', '.join(constructs)}; blocks: {', '.join(blocks)}; modes: {', '.join(modes)}"
        )
    owner: dict[str, str] = {}
    for c in constructs:
        loc = where(("block", c))
        if not _NAME.match(c):
            raise ModelSpecError(f"{loc}: invalid construct name {c!r}; use letters, digits, '_' and '.'")
        if modes[c] not in ("A", "B"):
            raise ModelSpecError(f"{loc}: mode {modes[c]!r} is not 'A' or 'B'")
        items = blocks[c]
        if not items:
            raise ModelSpecError(f"{loc}: empty block; list at least one item")
        for item in items:
            if not isinstance(item, str) or not _NAME.match(item):
                raise ModelSpecError(f"{loc}: invalid item name {item!r}; use letters, digits, '_' and '.'")
            if item in owner:
                raise ModelSpecError(
                    f"{loc}: item {item!r} is already in the block of {owner[item]!r} "
                    f"({where(('block', owner[item]))}); an item measures one construct only"
                )
            owner[item] = c
        if len(set(items)) != len(items):
            raise ModelSpecError(f"{loc}: an item is listed twice in the block; list each item once")


def _check_acyclic(constructs: tuple[str, ...], paths: tuple[tuple[str, str], ...], where: Where) -> None:
    """Depth-first search; report the first cycle found and the path closing it.

    Iterative (an explicit stack), so a long chain of constructs (C1 ~ C0, C2 ~ C1, …) cannot reach
    Python's recursion limit.
    """
    succ: dict[str, list[str]] = {c: [] for c in constructs}
    for s, t in paths:
        succ[s].append(t)
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in constructs:
        if root in state:
            continue
        state[root] = 1
        stack: list[str] = [root]
        todo = [iter(succ[root])]
        while todo:
            c = stack[-1]
            t = next(todo[-1], None)
            if t is None:  # every successor of c done
                todo.pop()
                stack.pop()
                state[c] = 2
            elif state.get(t) == 1:
                cycle = stack[stack.index(t) :] + [t]
                raise ModelSpecError(
                    f"{where(('path', c, t))}: the structural model has a cycle "
                    f"{' -> '.join(cycle)}; PLS path models must be recursive, remove one of these paths"
                )
            elif t not in state:
                state[t] = 1
                stack.append(t)
                todo.append(iter(succ[t]))


def _from_syntax(text: str, lower_is_better: tuple[str, ...]) -> Model:
    """Unpickle a model (keyword arguments cannot travel through ``__reduce__``)."""
    return Model.from_syntax(text, lower_is_better=lower_is_better)
