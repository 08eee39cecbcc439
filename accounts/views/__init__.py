"""Views of the accounts app: onboarding and settings (``core``), staff management (``staff``)."""

from .core import *  # noqa: F401,F403
from .identity import *  # noqa: F401,F403
from .imports import *  # noqa: F401,F403
from .security import *  # noqa: F401,F403
from .staff import *  # noqa: F401,F403
from .sessions import *  # noqa: F401,F403
from .temporary import *  # noqa: F401,F403
