"""Views of the accounts app: onboarding and settings (``core``), binding, verification, second
factors and sessions. Staff management pages live in the ``staff`` app."""

from .binding import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .identity import *  # noqa: F401,F403
from .security import *  # noqa: F401,F403
from .sessions import *  # noqa: F401,F403
