"""Staff management pages: the list, one account (``staff``), batch import (``imports``) and
temporary customer-service accounts (``temporary``)."""

from .imports import *  # noqa: F401,F403
from .staff import *  # noqa: F401,F403
from .temporary import *  # noqa: F401,F403
