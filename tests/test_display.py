"""How every public object shows itself (issue 17): a text ``repr`` of at most 15 lines that says what it is and its
key numbers, a compact Jupyter card with every data-derived text escaped, and ``summary()`` with every table; report
sections carry the report's stylesheet in JupyterLab, and the batch's export does not repeat it per section.

The objects are the demo study's own; a public class added to ``csi.__all__`` (or a stage's ``__all__``) without a
display, or without a case here, fails :func:`test_every_public_class_has_a_case`.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import unicodedata
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import csi
from csi._display import MAX_LINES, WIDTH, Display, Summary, _table_text, scoped_css, unstyled

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "study.toml"
HOSTILE = "<b>x</b>"
STAGES = ("csi", "csi.io", "csi.survey", "csi.pls", "csi.measurement", "csi.indices", "csi.rules", "csi.analysis")
#: Value classes whose repr is the full report (a terminal shows it as text): not a short display.
REPORTS = {"PLSSummary"}
#: Classes whose ``summary`` is a table field of theirs (kept: renaming it would break callers).
TABLE_SUMMARY = {"CompositeResult", "AwardResult"}


def public_classes() -> dict[str, type]:
    """Every class named in ``csi.__all__`` and the stages' ``__all__``, errors and warnings left out."""
    found = {}
    for name in STAGES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            value = getattr(module, attr)
            if inspect.isclass(value) and not issubclass(value, BaseException | Warning):
                found[attr] = value
    return found


# ------------------------------------------------------------------ the objects, from the demo study
@pytest.fixture(scope="module")
def objects(demo_analysis, tmp_path_factory) -> dict:
    from test_init import survey, written

    a = demo_analysis
    study, q = a.study, a.study.questionnaire
    fit = a.fits["industry:water"]
    items = a.data[list(fit.model.items)]
    water = a.data[a.data["enterprise_id"].str.startswith("W")]
    rubric = next(iter(a.rubric.values()))
    tmp = tmp_path_factory.mktemp("display")
    return {
        "Study": study, "Questionnaire": q, "Item": q.items[0], "Variable": q.demographics[0],
        "Enterprise": study.enterprises[0], "Model": study.model.model,
        "StarterStudy": csi.init_study(written(tmp, survey(), ".csv"), out_dir=tmp / "study"),
        "ScreeningResult": a.current, "WeightingResult": a.weighting["W01"],
        "SamplePlan": csi.plan_sample(2000, margin=0.3, sd=2.0),
        "CompositeResult": csi.composite_score(
            pd.DataFrame({"channel": ["questionnaire", "online", "onsite"], "estimate": [70.85, 94.35, 80.26]}),
            channel_weights={"questionnaire": 0.3, "online": 0.4, "onsite": 0.3}),
        "AlphaResult": csi.cronbach_alpha(a.data[list(fit.model.blocks["Satisfaction"])]),
        "EFAResult": csi.efa(items, parallel_iter=20), "KMOResult": csi.kmo_bartlett(items),
        "CFAResult": csi.cfa(fit.model, a.data),
        "PLSResult": fit, "BootstrapResult": a.boots["industry:water"],
        "MGAResult": csi.mga(fit.model, water, "region", groups=("urban", "rural"), n_resamples=20, missing="mean"),
        "MIResult": csi.estimate_mi(fit.model, water, m=2, n_resamples=20),
        "TopicResult": a.topics,
        "Rubric": rubric.rubric, "RubricResult": rubric, "AwardRules": a.awards.rules, "AwardResult": a.awards,
        "StudyAnalysis": a, "StudyCheck": csi.check_study(study),
    }


def _kish(w):
    return f"Kish deff {w.design_effect:.3f}, effective n {w.effective_n:,.0f}"


#: What each repr must say: its key numbers, from the object itself.
KEYS = {
    "Study": lambda s: [s.id, f"{len(s.enterprises)} in 3 industries", "rake"],
    "Questionnaire": lambda q: [f"{len(q.items)} items in {len(q.constructs)} constructs"],
    "Item": lambda i: [i.id, i.construct, "1–10"],
    "Variable": lambda v: [v.id, f"{len(v.levels)} levels"],
    "Enterprise": lambda e: [e.id, e.industry, f"{e.served_customers:,}"],
    "Model": lambda m: [f"{len(m.constructs)} constructs, {len(m.items)} items, {len(m.paths)} paths", "Satisfaction ←"],
    "StarterStudy": lambda s: ["study.toml", f"{len(s.todo)} steps"],
    "ScreeningResult": lambda r: [f"{len(r.kept):,} of {int(r.ledger['read'].sum()):,} respondents kept", "speeder"],
    "WeightingResult": lambda w: [_kish(w), f"n = {len(w.weights):,}", "converged in"],
    "SamplePlan": lambda p: [f"invite {p.n:,} of {p.population:,}", "±"],
    "CompositeResult": lambda c: ["composite 83.07", "rounded 83"],
    "AlphaResult": lambda r: [f"α = {r.alpha:.3f}", f"[{r.ci_low:.3f}, {r.ci_high:.3f}]", f"n = {r.n:,}", "SATI1"],
    "EFAResult": lambda r: [f"{r.n_factors} factors", f"n = {r.n:,}", "parallel analysis"],
    "KMOResult": lambda r: [f"KMO = {r.kmo:.3f}", f"χ²({r.df})"],
    "CFAResult": lambda r: [f"χ²({int(r.fit['df'].iloc[0])})", "CFI", "RMSEA", f"n = {r.n:,}"],
    "PLSResult": lambda f: [f"n = {f.n:,}", f"converged in {f.iterations} iterations",
                            f"Satisfaction {f.r_squared.set_index('construct').loc['Satisfaction', 'r_squared']:.3f}",
                            ".summary()", ".paths", ".r_squared"],
    "BootstrapResult": lambda b: [f"{b.n_resamples:,} resamples ({b.n_failed} failed)", f"{b.level:.0%}"],
    "MGAResult": lambda m: [f"urban (n = {m.sizes[0]:,}) vs rural (n = {m.sizes[1]:,})", "p < 0.05"],
    "MIResult": lambda r: [f"pooled over {r.m} imputations", f"n = {r.n:,}", "fraction of missing information"],
    "TopicResult": lambda r: [f"{r.n_topics} topics in {r.n_documents:,} complaint texts", "TF-IDF + NMF"],
    "Rubric": lambda r: [r.id, f"{r.points:g} points"],
    "RubricResult": lambda r: [f"{r.total:.2f} of {r.rubric.points:g} points"],
    "AwardRules": lambda r: [f"{len(r.categories)} categories"],
    "AwardResult": lambda r: [f"{int(r.summary['awarded'].sum())} awarded"],
    "StudyAnalysis": lambda a: ["24 enterprises", f"{int(a.ledger['analysed'].sum()):,} analysed",
                                "mean_of_enterprises"],
    "StudyCheck": lambda c: [": ok — 24 enterprises", "speeder"],
}


def _hostile_table(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(**{column: HOSTILE})


def _hostile_item(frame: pd.DataFrame, item: str) -> pd.DataFrame:
    return frame.assign(item=frame["item"].replace(item, HOSTILE))


#: Each object with a data-derived text made hostile, where its type lets it hold one.
HOSTILE_OF = {
    "Study": lambda s: dataclasses.replace(s, title={"zh": HOSTILE, "en": HOSTILE}),
    "Questionnaire": lambda q: dataclasses.replace(q, title={"en": HOSTILE}),
    "Item": lambda i: dataclasses.replace(i, text={"en": HOSTILE}),
    "Variable": lambda v: dataclasses.replace(v, label={"en": HOSTILE}),
    "Enterprise": lambda e: dataclasses.replace(e, name={"zh": HOSTILE}),
    "Model": None,  # construct and item names are checked: letters, digits, '_' and '.'
    "StarterStudy": lambda s: dataclasses.replace(s, found=(HOSTILE,)),
    "ScreeningResult": lambda r: dataclasses.replace(r, ledger=_hostile_table(r.ledger, "enterprise_id")),
    "WeightingResult": lambda w: dataclasses.replace(w, margins=_hostile_table(w.margins, "level")),
    "SamplePlan": lambda p: dataclasses.replace(p, reasoning={"en": HOSTILE}),
    "CompositeResult": lambda c: dataclasses.replace(c, channels=_hostile_table(c.channels, "channel")),
    "AlphaResult": lambda r: dataclasses.replace(r, item_stats=_hostile_table(r.item_stats, "item")),
    "EFAResult": lambda r: dataclasses.replace(r, loadings=_hostile_item(r.loadings, r.communalities["item"].iloc[0]),
                                               communalities=_hostile_item(r.communalities,
                                                                           r.communalities["item"].iloc[0])),
    "KMOResult": lambda r: dataclasses.replace(r, item_kmo=_hostile_table(r.item_kmo, "item")),
    "CFAResult": lambda r: dataclasses.replace(r, notes=(HOSTILE,)),
    "PLSResult": lambda f: dataclasses.replace(f, missing=f.missing.assign(item=HOSTILE, n_missing=1)),
    "BootstrapResult": lambda b: dataclasses.replace(b, index_note=HOSTILE),
    "MGAResult": lambda m: dataclasses.replace(m, groups=(HOSTILE, "b")),
    "MIResult": lambda r: dataclasses.replace(r, index_note=HOSTILE),
    "TopicResult": lambda r: dataclasses.replace(r, notes=(HOSTILE,)),
    "Rubric": lambda r: dataclasses.replace(r, title={"en": HOSTILE}),
    "RubricResult": lambda r: dataclasses.replace(r, notes=(HOSTILE,)),
    "AwardRules": lambda r: dataclasses.replace(r, title={"en": HOSTILE}),
    "AwardResult": lambda r: dataclasses.replace(r, notes=(HOSTILE,)),
    "StudyAnalysis": lambda a: dataclasses.replace(a, league=_hostile_table(a.league, "enterprise_id")),
    "StudyCheck": lambda c: dataclasses.replace(c, errors=(HOSTILE,)),
}


def _columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


# ------------------------------------------------------------------ every public class is covered
def test_every_public_class_has_a_case():
    classes = public_classes()
    missing = sorted(set(classes) - set(KEYS) - REPORTS)
    assert not missing, f"public classes without a display case in tests/test_display.py: {missing}"
    without = sorted(n for n, c in classes.items() if n not in REPORTS and not issubclass(c, Display))
    assert not without, f"public classes without csi._display.Display: {without}"
    # a dataclass writes its own __repr__ over the mixin's unless it says repr=False
    overridden = sorted(n for n, c in classes.items() if n not in REPORTS and c.__repr__ is not Display.__repr__)
    assert not overridden, f"public classes whose __repr__ is not the display's (repr=False missing?): {overridden}"
    assert set(HOSTILE_OF) == set(KEYS)


@pytest.mark.parametrize("name", sorted(KEYS))
def test_repr_is_short_and_says_the_key_numbers(objects, name):
    obj = objects[name]
    text = repr(obj)
    lines = text.splitlines()
    assert lines[0].startswith(f"{name}: ")
    assert len(lines) <= MAX_LINES, text
    assert max(_columns(line) for line in lines) <= WIDTH, text
    for key in KEYS[name](obj):
        assert key in text, f"{name}: {key!r} not in\n{text}"
    assert "mappingproxy" not in text and "DataFrame" not in text and "dtype" not in text
    assert str(obj) == text  # print() shows the same


@pytest.mark.parametrize("name", sorted(KEYS))
def test_html_card_is_compact_and_escaped(objects, name):
    obj = objects[name]
    html = obj._repr_html_()
    assert isinstance(html, str) and html.startswith('<div class="csi-result">') and len(html) < 20_000
    assert f"<strong>{name}</strong>" in html
    make = HOSTILE_OF[name]
    if make is None:
        pytest.skip(f"a {name} cannot hold markup")
    hostile = make(obj)
    for shown in (hostile._repr_html_(), hostile.summary()._repr_html_() if name not in TABLE_SUMMARY else ""):
        assert HOSTILE not in shown
    assert "&lt;b&gt;x&lt;/b&gt;" in hostile._repr_html_() or "&lt;b&gt;x&lt;/b&gt;" in hostile.summary()._repr_html_()
    assert HOSTILE in repr(hostile) or HOSTILE in str(hostile.summary())  # text is text


@pytest.mark.parametrize("name", sorted(KEYS))
def test_summary_has_every_table_in_full(objects, name):
    obj = objects[name]
    if name in TABLE_SUMMARY:
        assert isinstance(obj.summary, pd.DataFrame)  # the table itself; the card names it
        assert ".summary" in repr(obj)
        return
    summary = obj.summary()
    assert isinstance(summary, Summary) and isinstance(summary, str)
    text = str(summary)
    assert text.startswith(summary.title) and repr(summary) == text
    for table_name, table in summary.tables.items():
        heading = table_name.replace("_", " ").capitalize()
        assert f"\n{heading}\n{_table_text(table)}" in text, f"{name}: table {table_name} not in full"
    html = summary._repr_html_()
    assert html.count("<table") == len(summary.tables)


def test_pls_summary_renders_text_in_a_terminal(objects):
    """README: ``fit.summary()`` shows text in a terminal (its repr) and HTML in Jupyter."""
    summary = objects["PLSResult"].summary()
    assert isinstance(summary, csi.pls.PLSSummary)
    assert repr(summary) == str(summary) and "\nPaths\nsource" in repr(summary) and "\nR squared\n" in repr(summary)
    assert "<h4>Paths</h4>" in summary._repr_html_()
    assert repr(objects["BootstrapResult"].summary()).startswith("Bootstrap: ")


def test_summary_pickles_and_keeps_its_tables(objects):
    import pickle

    summary = objects["KMOResult"].summary()
    again = pickle.loads(pickle.dumps(summary))
    assert again == summary and list(again.tables) == list(summary.tables) and again.title == summary.title


def test_study_check_summary_keeps_what_csi_validate_prints(objects):
    check = objects["StudyCheck"]
    summary = check.summary()
    read, analysed, excluded = (int(check.ledger[c].sum()) for c in ("read", "analysed", "excluded"))
    assert summary.headline.splitlines()[0] == (f"{check.path}: ok — 24 enterprises, {read} respondents read, "
                                                f"{analysed} analysed, {excluded} excluded.")
    assert summary.headline.splitlines()[1].startswith(f"excluded {excluded}: speeder ")
    assert "\nLedger\n" in summary and "\nLedger\n" not in summary.headline


def test_a_studys_parts_print_short(objects):
    """What a user types next — study.model, study.weighting, study.enterprises, q.items — prints short too: the
    settings as cards, lists of items, variables and enterprises one line per element."""
    study = objects["Study"]
    for field in dataclasses.fields(study):
        assert len(repr(getattr(study, field.name)).splitlines()) <= MAX_LINES, field.name
    for many in (study.enterprises, study.questionnaire.items, study.questionnaire.demographics):
        assert all(len(repr(one).splitlines()) == 1 for one in many)
    assert repr(study.weighting).startswith("Weighting: rake on region") and "urban 0.5" in repr(study.weighting)
    assert repr(study.model).startswith("ModelSettings: target Satisfaction")


def test_a_repr_never_raises():
    broken = dataclasses.replace(csi.plan_sample(100, margin=0.3, sd=2.0), reasoning=None)
    assert repr(broken).startswith("<SamplePlan: not displayable (")


def test_report_contents_display_too(demo_analysis):
    from csi import report

    content = report.enterprise_content(demo_analysis.study, "W01", "en", analysis=demo_analysis)
    overview = report.overview_content(demo_analysis.study, "en", analysis=demo_analysis)
    for obj, key in ((content, f"Satisfaction index {content.index:.1f}"), (overview, "highest B03")):
        text = repr(obj)
        assert len(text.splitlines()) <= MAX_LINES and key in text and max(map(_columns, text.splitlines())) <= WIDTH
        assert len(obj._repr_html_()) < 20_000 and "\nDimensions\n" in str(content.summary())


# ------------------------------------------------------------------ report sections in JupyterLab
def test_report_sections_carry_the_scoped_stylesheet():
    from csi.report import Html

    html = Html("<div class='csi-tiles'><div class='csi-tile'>1</div></div>")._repr_html_()
    assert html.startswith('<div class="csi-report"><style data-csi="notebook">')
    assert ".csi-report .csi-tiles {" in html and ".csi-report table.csi-table td" in html
    assert unstyled(html) == "<div class='csi-tiles'><div class='csi-tile'>1</div></div>"
    assert repr(Html("<p>x</p>")) == "<csi report fragment, 8 characters of HTML>"


def test_scoped_stylesheet_touches_nothing_outside_a_section():
    css = scoped_css((ROOT / "templates" / "report" / "csi.css").read_text(encoding="utf-8"))
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{[^{}]*\}", re.sub(r"@media[^{]*\{", "", css))
                 for s in rule.split(",")]
    assert selectors and all(s.startswith(".csi-report") for s in selectors), selectors
    assert ".jp-InputPrompt" not in css and "body" not in css and ":root" not in css


def test_the_exported_report_has_the_stylesheet_once():
    from csi.batch._render import export_html
    from csi.report import Html

    notebook = nbformat.v4.new_notebook()
    for k in range(3):
        cell = nbformat.v4.new_code_cell("section()")
        cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
            "text/html": Html(f'<div class="csi-tiles"><p>section {k}</p></div>')._repr_html_(),
            "text/plain": "<csi report fragment>"})]
        notebook.cells.append(cell)
    page = export_html(notebook, "en", "t")
    assert page.count(".csi-tiles { display: flex;") == 1  # the template's csi.css
    assert ".csi-report" not in page and 'data-csi="notebook"' not in page
    assert all(f'<div class="csi-tiles"><p>section {k}</p></div>' in page for k in range(3))
