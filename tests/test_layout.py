"""The package's layout: stages import only downwards, no import cycles (imports inside functions and
type-checking blocks included), private names only from private modules, no function shadows its module, and ``csi
validate`` loads no plotting, notebook or dask code."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "csi"

#: The pipeline, bottom up: a module may import only from its own stage or a lower one.
BASE = ["csi.exceptions", "csi._validation", "csi._api", "csi._stats", "csi._data", "csi._version", "csi._display"]
STAGES = [*BASE, "csi.io", "csi.survey",
          "csi.pls", "csi.measurement", "csi.indices", "csi.rules", "csi.analysis", "csi.plot", "csi.report", "csi.batch",
          "csi.cli"]
RANK = {**dict.fromkeys(BASE, 0), **{stage: i for i, stage in enumerate(STAGES[len(BASE):], start=1)}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def imports(module: str) -> list[tuple[str, list[str], int]]:
    """Every import of a module, at any depth (inside functions and ``if TYPE_CHECKING`` too): (target
    module, names taken, line)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[tuple[str, list[str], int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            out.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    out.append((sub, [], node.lineno))    # a submodule
                else:
                    out.append((base, [alias.name], node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [(target, names, line) for target, names, line in out if target == "csi" or target.startswith("csi.")]


def graph() -> dict[str, set[str]]:
    """Module → modules it loads, including the packages whose ``__init__`` an import runs."""
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        ancestors = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 2)}
        for target, _, _ in imports(module):
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                loaded = ".".join(parts[:i])
                if loaded in MODULES and loaded not in ancestors:
                    edges[module].add(loaded)
    return edges


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def dfs(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                dfs(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            dfs(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_stages_import_only_downwards():
    upward = []
    for module, path in MODULES.items():
        if module == "csi":
            continue  # the package's front door gathers every stage's public names
        for target, _, line in imports(module):
            if target == "csi" or RANK[stage(target)] > RANK[stage(module)]:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not upward, "upward imports: " + "; ".join(upward)


def test_private_names_only_from_private_modules():
    offenders = []
    for module, path in MODULES.items():
        for target, names, line in imports(module):
            public = not any(part.startswith("_") for part in target.split("."))
            for name in names:
                if public and name.startswith("_") and name != "__version__":
                    offenders.append(f"{path.relative_to(ROOT)}:{line} takes {name} from {target}")
    assert not offenders, "; ".join(offenders)


def test_implementation_modules_are_private():
    public = [m for m in MODULES if m.count(".") >= 2 and not m.rsplit(".", 1)[1].startswith("_")
              and MODULES[m].name != "__init__.py" and not m.startswith("csi.io.models")]
    assert not public, f"implementation modules should be private: {public}"


def test_no_function_shares_its_module_name():
    shadowed = []
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="csi."):
        if info.name.startswith("csi.batch") or info.name.startswith("csi.report"):
            continue  # importing them loads the notebook stack; they are checked by name below
        parent = importlib.import_module(info.name.rpartition(".")[0])
        module = importlib.import_module(info.name)
        if getattr(parent, info.name.rpartition(".")[2]) is not module:
            shadowed.append(info.name)
    for module, path in MODULES.items():
        leaf = module.rpartition(".")[2]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == leaf for n in tree.body):
            shadowed.append(module)
    assert not shadowed, f"a function or class shares its module's name: {shadowed}"


def test_the_stages_named_here_are_the_packages():
    packages = {stage(m) for m in MODULES if m != "csi"}
    assert packages == set(RANK), packages ^ set(RANK)


@pytest.mark.parametrize("command", ["validate", "import"])
def test_validate_loads_no_plotting_notebook_or_dask_code(command):
    study = ROOT / "data" / "demo" / "study.toml"
    heavy = ("matplotlib", "seaborn", "nbformat", "nbclient", "papermill", "distributed", "dask", "playwright",
             "weasyprint")
    run = (f"from csi.cli import main; assert main(['validate', {str(study)!r}]) == 0" if command == "validate"
           else "import csi")
    code = f"import sys, json; {run}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(heavy), sorted(loaded & set(heavy))
