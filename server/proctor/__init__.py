"""Proctor: a secure code-execution and reward server for code language models."""

__version__ = "0.1.0"
