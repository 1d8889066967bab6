"""Preset CSI models shipped as syntax files (see each file's header for its source).

>>> from csi import models
>>> models.ecsi().constructs[:2]
('Image', 'Expectation')
"""

from __future__ import annotations

from importlib.resources import files

from csi.exceptions import ModelSpecError
from csi.io._model import Model

__all__ = ["LOWER_IS_BETTER", "PRESETS", "acsi", "ccsi", "ecsi", "preset", "preset_syntax"]

#: Preset names and their one-line descriptions.
PRESETS: dict[str, str] = {
    "ecsi": "European CSI as in Tenenhaus et al. (2005), mobi data item names",
    "acsi": "American CSI, Fornell et al. (1996), generic item names",
    "ccsi": "China CSI style model used by the bundled demo study",
}


#: Constructs each preset's source scores so that higher is worse. ACSI's Customer Complaints is complaint
#: behaviour, whether the customer has complained (Fornell et al. 1996), which satisfaction lowers. ECSI's
#: complaint block rates how complaints were handled (Tenenhaus et al. 2005, mobi CUSCO) and the CCSI-style
#: model's follows it (higher is better), so they declare none.
LOWER_IS_BETTER: dict[str, tuple[str, ...]] = {"acsi": ("Complaints",), "ecsi": (), "ccsi": ()}


def preset_syntax(name: str) -> str:
    """Return the syntax text (with its source header) of the preset ``name``."""
    key = name.strip().lower()
    if key not in PRESETS:
        raise ModelSpecError(f"unknown model preset {name!r}; available presets: {', '.join(PRESETS)}")
    return files(__name__).joinpath(f"{key}.txt").read_text(encoding="utf-8")


def preset(name: str) -> Model:
    """Return the preset model ``name`` (one of :data:`PRESETS`)."""
    key = name.strip().lower()
    return Model.from_syntax(preset_syntax(key), source=f"preset {key!r}", lower_is_better=LOWER_IS_BETTER[key])


def ecsi() -> Model:
    """ECSI model of Tenenhaus et al. (2005), item names of the mobi data."""
    return preset("ecsi")


def acsi() -> Model:
    """ACSI model of Fornell et al. (1996) with generic item names."""
    return preset("acsi")


def ccsi() -> Model:
    """China CSI style model used by the bundled demo study."""
    return preset("ccsi")
