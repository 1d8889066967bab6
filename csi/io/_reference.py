"""The study-file reference and the JSON Schema files, written from the schema (csi/io/_schema.py).

``python -m csi.io._reference`` rewrites docs/study-file.md and csi/io/schema/*.schema.json; a test fails
when the committed files differ from what this module writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from csi.io import _schema as schema
from csi.io._study import DEFAULT_INDUSTRY, DEFAULT_INDUSTRY_LABEL, ENTERPRISE_COLUMNS, MARGIN_COLUMNS

#: The shipped JSON Schema files (package data) by the file they describe.
SCHEMA_DIR = schema.SCHEMA_DIR
SCHEMAS = {"study.toml": (schema.StudyFile, "study.schema.json"),
           "questionnaire.toml": (schema.QuestionnaireFile, "questionnaire.schema.json")}
REFERENCE = Path("docs") / "study-file.md"


def json_schema(model: type[schema.Section]) -> dict[str, Any]:
    """The JSON Schema of a file, as TOML editors read it (no nulls: a key that is not set is absent)."""
    out = _without_nulls(model.model_json_schema(by_alias=True))
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def _without_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _without_nulls(v) for k, v in node.items() if not (k == "default" and v is None)}
        if "anyOf" in node:
            options = [o for o in node["anyOf"] if o != {"type": "null"}]
            if len(options) == 1:
                node = {**{k: v for k, v in node.items() if k != "anyOf"}, **options[0]}
            else:
                node["anyOf"] = options
        return node
    return [_without_nulls(v) for v in node] if isinstance(node, list) else node


def reference() -> str:
    """docs/study-file.md: every key of study.toml and questionnaire.toml, and the columns of the CSV files."""
    lines = [
        "# Study file reference",
        "",
        "<!-- Written by `python -m csi.io._reference` from csi/io/_schema.py; edit the schema, not this page. -->",
        "",
        "A study is a folder with `study.toml`, a questionnaire file, the response file(s) and an enterprise list.",
        "`csi init SURVEYFILE` writes a starter study; [first-study.md](first-study.md) walks through one.",
        "",
        "- Paths are relative to the file that names them.",
        "- A *text* is a string (the same in every language) or a table `{ zh = \"…\", en = \"…\" }`. A text",
        "  given in one language only is printed in that language, marked as such, in a report of the other.",
        "- A key that is not listed is an error, as is a value of the wrong type: nothing is converted silently.",
        "  Errors name the file and the key path, with a suggestion for a misspelt key, and list every problem",
        "  of the file at once, e.g. `study.toml: [model.preset]: 'cssi' is not one of acsi, ecsi, ccsi`.",
        "- `csi validate STUDY` checks all of this and the data before a run.",
        "",
        "**Editor support.** csi ships the JSON Schema of both files (`csi/io/schema/study.schema.json`,",
        ("`questionnaire.schema.json`; `python -c \"import csi.io, pathlib; print(pathlib.Path(csi.io.__file__)"
        ".parent / 'schema')\"` prints the folder). Editors that use taplo (VS Code with Even Better TOML, taplo"),
        "itself) complete keys, show these descriptions and mark mistakes when the file's first line names the",
        "schema, e.g. `#:schema /path/to/csi/io/schema/study.schema.json` (`csi init` writes that line).",
        "",
    ]
    for file, (model, _) in SCHEMAS.items():
        lines += [f"## {file}", "", _sentence(model.__doc__.split(":", 1)[1]), ""]
        lines += _section_tables(model, file)
    lines += _csv_tables()
    return "\n".join(lines).rstrip() + "\n"


def _section_tables(model: type[schema.Section], file: str) -> list[str]:
    """One table for the top-level keys, then one per section (nested tables and lists of tables)."""
    out: list[str] = []
    pending: list[tuple[str, str, type[schema.Section]]] = [("", f"{file}: top level", model)]
    while pending:
        name, title, section = pending.pop(0)
        properties = json_schema(section)
        defs = properties.get("$defs", {})
        rows, nested = [], []
        for key, field in schema.keys_of(section).items():
            node = properties["properties"][key]
            sub, label = schema._section_in(field.annotation), f"{name}.{key}" if name else key
            if sub is not None and _is_table_map(field.annotation):  # sections by name: [constructs.<name>]
                nested.append((f"{label}.<name>", f"[{label}.<name>]", sub))
            elif sub is not None:
                listed = _is_list(field.annotation)
                nested.append((label, f"[[{label}]]" if listed else f"[{label}]", sub))
                if not name and not listed:
                    continue  # a section of study.toml has its own table only
                node = {"type": "array" if listed else "object", "description": "see below"}
            rows.append(_row(key, field, node, defs))
        if rows:
            out += [f"### {title}", "", *([_first_line(section.__doc__), ""] if name else []), ("| key | type | default | description | "
                    "report part it feeds | example |"), "|---|---|---|---|---|---|", *rows, ""]
        pending = nested + pending
    return out


def _row(key: str, field, node: dict, defs: dict) -> str:
    if node.get("description") == "see below":
        kind = "list of tables, see below" if node["type"] == "array" else "table, see below"
    else:
        kind = _type_of(node, defs)
    default = "required" if field.is_required() else _value(field.default)
    extra = field.json_schema_extra or {}
    examples = field.examples or []
    return (f"| `{key}` | {kind} | {default} | {_cell(field.description or '')} | "
            f"{_cell(extra.get('x-feeds', ''))} | {_cell(schema.toml_value(examples[0])) if examples else ''} |")


def _type_of(node: dict, defs: dict) -> str:
    if node.get("anyOf") == schema.TEXT_SCHEMA["anyOf"]:
        return "text"
    if "x-type" in node:
        return node["x-type"]
    if "$ref" in node:
        return _type_of(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if node.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if "enum" in node or "const" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node.get("enum", [node.get("const")]))
    if "anyOf" in node or "oneOf" in node:
        return " or ".join(_type_of(o, defs) for o in node.get("anyOf", node.get("oneOf")))
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(_type_of({"type": k}, defs) for k in kind)
    bounds = _bounds(node)
    if kind == "array":
        return f"list of {_plural(_type_of(node.get('items', {}), defs))}{bounds}"
    if kind == "object":
        values = node.get("additionalProperties", {})
        return f"table of {_plural(_type_of(values, defs))} by name" if isinstance(values, dict) else "table"
    words = {"string": "string", "integer": "whole number", "number": "number", "boolean": "true or false"}
    text = words.get(kind, str(kind))
    return text + bounds


def _bounds(node: dict) -> str:
    marks = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
    parts = [f"{mark} {node[k]:,}" for k, mark in marks.items() if k in node]
    if "minItems" in node and "maxItems" in node and node["minItems"] == node["maxItems"]:
        parts.append(f"{node['minItems']} entries")
    elif node.get("minItems"):
        parts.append(f"at least {node['minItems']}")
    return f", {' and '.join(parts)}" if parts else ""


def _plural(text: str) -> str:
    word, _, rest = text.partition(" ")
    plural = {"text": "texts", "string": "strings", "number": "numbers", "table": "tables", "whole": "whole",
              "list": "lists", "true": "true"}.get(word, word)
    return f"{plural} {rest}".strip() if rest else plural


def _is_list(annotation: Any) -> bool:
    return getattr(schema._resolve(annotation), "__origin__", None) is list


def _is_table_map(annotation: Any) -> bool:
    return getattr(schema._resolve(annotation), "__origin__", None) is dict


def _value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, schema.Section):
        return "—"
    return f"`{schema.toml_value(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc else ""


def _csv_tables() -> list[str]:
    out = ["## enterprises.csv", "",
           "One row per enterprise; UTF-8 (or GBK) CSV with a header row. Columns not listed are ignored.",
           (f"Without an `industry` column every enterprise is in one industry, `{DEFAULT_INDUSTRY}`, printed as "
           f"\"{DEFAULT_INDUSTRY_LABEL['zh']}\" / \"{DEFAULT_INDUSTRY_LABEL['en']}\" unless `[study] industries` "
           f"labels it."), "",
           "| column | required | description |", "|---|---|---|"]
    out += [f"| `{c}` | {'yes' if required else 'no'} | {_cell(doc)} |" for c, (required, doc) in ENTERPRISE_COLUMNS.items()]
    out += ["", "## Margins CSV (`[weighting] margins = \"margins.csv\"`)", "",
            ("One row per level of each raking variable; every level the questionnaire declares needs a row. A "
            "variable's values are counts when all are whole numbers summing to more than 1, else shares that "
            "must sum to 1."), "", "| column | description |", "|---|---|"]
    out += [f"| `{c}` | {_cell(doc)} |" for c, doc in MARGIN_COLUMNS.items()]
    return out + [""]


def write(root: Path = Path(".")) -> list[Path]:
    """Rewrite the reference page (under ``root``) and the shipped JSON Schema files; return them."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for model, name in SCHEMAS.values():
        path = SCHEMA_DIR / name
        path.write_text(json.dumps(json_schema(model), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    page = root / REFERENCE
    page.write_text(reference(), encoding="utf-8")
    return [*written, page]


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")):
        print(f"wrote {path}")
