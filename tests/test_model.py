"""Tests of csi.model (syntax parsing, validation messages) and csi.models presets."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csi.exceptions import ModelSpecError
from csi.io import Model, models

ECSI_TEXT = """
# ECSI on mobi
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3

Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"""

SMALL = "A =~ a1 + a2\nB =~ b1\nB ~ A\n"


def test_parse_ecsi_fields():
    m = Model.from_syntax(ECSI_TEXT)
    assert m.constructs == ("Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty")
    assert m.blocks["Value"] == ("PERV1", "PERV2")
    assert m.blocks["Complaints"] == ("CUSCO",)
    assert set(m.modes.values()) == {"A"}
    assert len(m.paths) == 12
    assert ("Image", "Loyalty") in m.paths
    assert len(m.items) == 24 and m.items[:2] == ("IMAG1", "IMAG2")
    assert m.predecessors("Satisfaction") == ("Image", "Expectation", "Quality", "Value")
    assert m.successors("Satisfaction") == ("Complaints", "Loyalty")
    assert m.exogenous == ("Image",)
    assert m.endogenous == m.constructs[1:]
    assert m.construct_of("PERQ3") == "Quality"


def test_comments_whitespace_and_mode_b():
    text = "  # header\n\n\tA <~a1+a2   # formative\nB=~ b1\n   B~A\n"
    m = Model.from_syntax(text)
    assert m.modes == {"A": "B", "B": "A"}
    assert m.blocks["A"] == ("a1", "a2")
    assert m.paths == (("A", "B"),)


def test_to_syntax_round_trip_and_equality():
    m = Model.from_syntax(ECSI_TEXT)
    again = Model.from_syntax(m.to_syntax())
    assert again == m
    assert hash(again) == hash(m)
    mb = Model.from_syntax("A <~ a1 + a2\nB =~ b1\nB ~ A\n")
    assert "A <~ a1 + a2" in mb.to_syntax()
    assert Model.from_syntax(mb.to_syntax()) == mb


def test_model_is_frozen():
    m = Model.from_syntax(SMALL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.constructs = ("X",)  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.blocks["A"] = ("z",)  # type: ignore[index]


def test_from_file(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text(SMALL, encoding="utf-8")
    assert Model.from_file(path) == Model.from_syntax(SMALL)
    path.write_text("A =~ a1\nB =~ b1\nB ~ C\n", encoding="utf-8")
    with pytest.raises(ModelSpecError, match=r"model\.txt line 3 'B ~ C': unknown construct 'C'"):
        Model.from_file(path)
    with pytest.raises(ModelSpecError, match="model file not found"):
        Model.from_file(tmp_path / "nope.txt")


def test_presets():
    e = models.ecsi()
    assert e == Model.from_syntax(ECSI_TEXT)
    a = models.acsi()
    assert a.constructs == ("Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty")
    assert set(a.paths) == {
        ("Expectation", "Quality"),
        ("Expectation", "Value"),
        ("Quality", "Value"),
        ("Expectation", "Satisfaction"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"),
        ("Satisfaction", "Loyalty"),
        ("Complaints", "Loyalty"),
    }
    c = models.ccsi()
    assert dict(c.blocks) == {
        "Image": ("IMAG1", "IMAG2", "IMAG3", "IMAG4"),
        "Expectation": ("EXPE1", "EXPE2", "EXPE3"),
        "Quality": ("QUAL1", "QUAL2", "QUAL3", "QUAL4", "QUAL5"),
        "Value": ("VALU1", "VALU2"),
        "Satisfaction": ("SATI1", "SATI2", "SATI3"),
        "Complaint": ("COMP1", "COMP2"),
        "Loyalty": ("LOYA1", "LOYA2", "LOYA3"),
    }
    assert set(c.paths) == {
        ("Image", "Expectation"),
        ("Image", "Quality"),
        ("Expectation", "Quality"),
        ("Expectation", "Value"),
        ("Quality", "Value"),
        ("Image", "Satisfaction"),
        ("Expectation", "Satisfaction"),
        ("Quality", "Satisfaction"),
        ("Value", "Satisfaction"),
        ("Satisfaction", "Complaint"),
        ("Image", "Loyalty"),
        ("Satisfaction", "Loyalty"),
        ("Complaint", "Loyalty"),
    }
    assert models.preset("CCSI") == c
    for name in models.PRESETS:
        assert "# " in models.preset_syntax(name).splitlines()[0]
    with pytest.raises(ModelSpecError, match="unknown model preset 'xcsi'; available presets: ecsi, acsi, ccsi"):
        models.preset("xcsi")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A =~ a1\nB -> A\n", r"line 2 'B -> A': unknown operator '->'"),
        ("A =~ a1\nB =~ b1\nB ~~ A\n", r"line 3 'B ~~ A': unknown operator '~~'"),
        ("A =~ a1\nB =~ b1\nA\n", r"line 3 'A': no operator found"),
        (
            "Quality =~ q1\nSatisfaction =~ s1\n\nSatisfaction ~ Qualty\n",
            (r"line 4 'Satisfaction ~ Qualty': unknown construct 'Qualty' \(did you mean 'Quality'\?\); "
             r"declared constructs: Quality, Satisfaction"),
        ),
        (
            "A =~ a1 + a2\nB =~ b1 + a2\nB ~ A\n",
            r"line 2 'B =~ b1 \+ a2': item 'a2' is already in the block of 'A' \(line 1 'A =~ a1 \+ a2'\)",
        ),
        ("A =~ a1\nB =~ b1\nA =~ a2\nB ~ A\n", r"line 3 'A =~ a2': construct 'A' already has a measurement block at line 1"),
        (
            "A =~ a1\nB =~ b1\nC =~ c1\nB ~ A\nC ~ B\nA ~ C\n",
            r"line 6 'A ~ C': the structural model has a cycle A -> B -> C -> A",
        ),
        ("A =~ a1\nB =~ b1\nB ~ A + B\n", r"line 3 'B ~ A \+ B': the structural model has a cycle B -> B"),
        ("A =~ a1\nB =~\nB ~ A\n", r"line 2 'B =~': empty block: no items after '=~'"),
        ("A =~ a1\nB =~ b1 +\nB ~ A\n", r"line 2 'B =~ b1 \+': empty term"),
        ("1A =~ a1\n", r"line 1 '1A =~ a1': invalid construct name '1A'"),
        ("A =~ a1 a2\nB =~ b1\nB ~ A\n", r"line 1 'A =~ a1 a2': invalid item name 'a1 a2'"),
        ("A =~ 0.5*a1\n", r"line 1 'A =~ 0.5\*a1': invalid item name '0.5\*a1'"),
        ("A =~ a1 + a1\n", r"line 1 'A =~ a1 \+ a1': 'a1' listed twice"),
        ("A =~ a1\nB =~ b1\nC =~ c1\nB ~ A\n", r"line 3 'C =~ c1': construct 'C' takes part in no structural path"),
        ("A =~ a1\nB =~ b1\nB ~ A\nB ~ A\n", r"line 4 'B ~ A': path 'A -> B' is already declared at line 3"),
        ("# nothing\n\n", r"no measurement block"),
    ],
)
def test_syntax_errors_name_the_line(text, message):
    with pytest.raises(ModelSpecError, match=message):
        Model.from_syntax(text)


def test_cycle_message_lists_the_cycle():
    text = "A =~ a1\nB =~ b1\nC =~ c1\nB ~ A\nC ~ B\nA ~ C\n"
    with pytest.raises(ModelSpecError) as info:
        Model.from_syntax(text)
    msg = str(info.value)
    assert "cycle" in msg and "must be recursive" in msg
    assert "A -> B -> C -> A" in msg
    assert msg.startswith("line 6 'A ~ C'")


def test_direct_construction_is_checked():
    ok = Model(("A", "B"), {"A": ("a1",), "B": ("b1",)}, {"A": "A", "B": "B"}, (("A", "B"),))
    assert ok.modes["B"] == "B"
    with pytest.raises(ModelSpecError, match="construct 'B': mode 'C' is not 'A' or 'B'"):
        Model(("A", "B"), {"A": ("a1",), "B": ("b1",)}, {"A": "A", "B": "C"}, (("A", "B"),))
    with pytest.raises(ModelSpecError, match="item 'a1' is already in the block of 'A'"):
        Model(("A", "B"), {"A": ("a1",), "B": ("a1",)}, {"A": "A", "B": "A"}, (("A", "B"),))
    with pytest.raises(ModelSpecError, match="path 'A -> X': unknown construct 'X'"):
        Model(("A", "B"), {"A": ("a1",), "B": ("b1",)}, {"A": "A", "B": "A"}, (("A", "B"), ("A", "X")))
    with pytest.raises(ModelSpecError, match="blocks and modes must have exactly one entry per construct"):
        Model(("A", "B"), {"A": ("a1",)}, {"A": "A", "B": "A"}, (("A", "B"),))


def test_unknown_construct_in_helpers():
    m = Model.from_syntax(SMALL)
    with pytest.raises(ModelSpecError, match=r"unknown construct 'a' \(did you mean 'A'\?\)"):
        m.predecessors("a")


@st.composite
def _dag_models(draw):
    k = draw(st.integers(min_value=2, max_value=6))
    names = [f"C{j}" for j in range(k)]
    edges = {(names[i], names[j]) for i in range(k) for j in range(i + 1, k) if draw(st.booleans())}
    for j in range(k):  # keep every construct connected
        if not any(names[j] in e for e in edges):
            edges.add((names[j - 1], names[j]) if j else (names[0], names[1]))
    modes = {c: draw(st.sampled_from("AB")) for c in names}
    sizes = {c: draw(st.integers(min_value=1, max_value=3)) for c in names}
    return Model(
        tuple(names),
        {c: tuple(f"{c.lower()}_{i}" for i in range(sizes[c])) for c in names},
        modes,
        tuple(sorted(edges, key=lambda e: (names.index(e[1]), names.index(e[0])))),
    )


@settings(max_examples=40, deadline=None)
@given(_dag_models())
def test_round_trip_property(model):
    assert Model.from_syntax(model.to_syntax()) == model
