"""The site's URLs plus two that fail on purpose, for the error-page tests (``settings.ROOT_URLCONF``)."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config import urls
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401  (read from this module)


def unreadable(request):
    raise SuspiciousOperation("a request the site cannot read")


def broken(request):
    raise RuntimeError("a bug on purpose")


urlpatterns = [
    path("test-errors/400/", unreadable),
    path("test-errors/500/", broken),
    *urls.urlpatterns,
]
