"""Operation-account personas: see ``tests/personas.py``."""

from tests.personas import *  # noqa: F401,F403  (fixtures)
