"""Hand-over (R-16): what a leaving staff member owns, collected from every app that owns things.

Apps register a mover in their ``AppConfig.ready()``. A mover takes ``(from_staff, to_staff)``,
moves that app's objects inside the caller's transaction, and returns how many it moved.
``counter`` answers how many there are without moving them, for the confirmation page.
"""

from dataclasses import dataclass
from typing import Callable

MOVERS = {}


@dataclass(frozen=True)
class Mover:
    key: str
    label: str
    move: Callable
    count: Callable


def register(key, label, *, move, count):
    MOVERS[key] = Mover(key=key, label=label, move=move, count=count)


def owned_by(staff):
    """Return ``[(label, count)]`` of what ``staff`` owns, per registered kind."""
    return [(mover.label, mover.count(staff)) for mover in MOVERS.values()]
