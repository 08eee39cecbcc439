"""The test client every test gets as ``client``."""

from importlib import import_module

from django.conf import settings
from django.test import Client as DjangoClient


class Client(DjangoClient):
    """Django's test client whose ``force_login`` leaves the session as a login through the form does.

    A real login records the browser's address and user agent on the session row (django-qsessions);
    ``force_login`` builds the session without a request, so the first page would rewrite it and cost
    queries no real visitor pays. Record this client's address and agent at once instead.
    """

    def _login(self, user, backend=None):
        super()._login(user, backend)
        engine = import_module(settings.SESSION_ENGINE)
        store = engine.SessionStore(
            session_key=self.cookies[settings.SESSION_COOKIE_NAME].value,
            ip=self.defaults.get("REMOTE_ADDR", "127.0.0.1"),
            user_agent=self.defaults.get("HTTP_USER_AGENT", ""),
        )
        store.update(store.load())  # the same data; saving it writes the address and agent beside it
        store.save()
