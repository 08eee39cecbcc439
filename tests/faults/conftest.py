"""Fault tests (issue 28): personas from ``tests/personas.py``."""

from tests.personas import *  # noqa: F401,F403  (fixtures)
