"""The package version, in one place (pyproject.toml and the reports read it)."""

__version__ = "0.3.0"
