"""Customer-chat tests: the personas (``desk``, ``globex_desk``, ``online`` …) live in
``tests.personas`` ("Customer chat"); only the doorbell isolation stays here."""

import os

import pytest

from tests.personas import *  # noqa: F401,F403  (personas as fixtures)


@pytest.fixture(autouse=True)
def _own_doorbell_channels(settings):
    """Rings of this test run stay on channels no other process listens to."""
    settings.CHAT_CHANNEL_PREFIX = f"test-chat-{os.getpid()}:"
