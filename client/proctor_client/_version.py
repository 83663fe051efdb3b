"""Installed version of the distribution (single source of truth: pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("proctor-client")
except PackageNotFoundError:  # running from a source checkout without installing
    __version__ = "0.0.0+unknown"
