"""The project's URLs plus the bench's empty authenticated page (``bench/settings.py``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path

EMPTY_PATH = "/bench/empty/"


@login_required
def empty_page(request):
    """``base.html`` with an empty content block: session, user, permissions, middleware, layout."""
    return render(request, "bench/empty.html")


urlpatterns = [
    path("bench/empty/", empty_page, name="bench_empty"),
    path("", include("config.urls")),
]
