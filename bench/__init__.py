"""The benchmark suite at R-41 scale; run it with ``python -m bench`` (see README)."""
