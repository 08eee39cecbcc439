"""Helpers every app may use; it imports no app of this project (the bottom layer)."""
