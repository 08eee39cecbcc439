"""The error pages (issue 26): every 400, 403, 404, CSRF failure and 500 answers in the site's words.

Django's own handlers render ``400.html`` and ``500.html`` without the request (so without the
menu), and with no template at all a bare English "403 Forbidden". These handlers, wired in
``config/urls.py`` (``handler400`` …) and ``CSRF_FAILURE_VIEW``, render each page in the layout,
with the menu when someone is logged in:

- ``bad_request``, ``permission_denied``, ``page_not_found`` and ``csrf_failure`` render with the
  request, so the context processors add the menu and the language switch.
- ``server_error`` renders ``500.html`` with no request and no context processor: it must work
  while the database is down. It shows a short reference that the log line of the same exception
  carries too (``request.error_reference``, printed by ``utilities.logs.EscapingFormatter``), so a
  merchant who quotes it leads an operator to the traceback.

``DebugNotFoundMiddleware`` keeps the 404 page under ``DEBUG`` (the quick start serves with
``DEBUG`` on), where Django would list every URL pattern of the site instead.
"""

import logging
import secrets

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class HostileInput(BadRequest):
    """A request refused for what it carries (``utilities.hostile``); its message says what, in
    the reader's language, and the 400 page shows it (``bad_request``)."""


def _render(request, template_name, response_class, context=None):
    return response_class(loader.render_to_string(template_name, context or {}, request=request))


def bad_request(request, exception):
    """``handler400``: a request the site could not read (a broken form, a forged host). A request
    refused for what it carries (``HostileInput``) shows why; other reasons are
    not shown, since their messages may quote what the request sent."""
    detail = str(exception) if isinstance(exception, HostileInput) else ""
    return _render(request, "400.html", HttpResponseBadRequest, {"detail": detail})


def permission_denied(request, exception):
    """``handler403``: a logged-in person opened a page their account may not use."""
    return _render(request, "403.html", HttpResponseForbidden)


def page_not_found(request, exception):
    """``handler404``: no such page, or nothing this person may see at that address."""
    return _render(request, "404.html", HttpResponseNotFound)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent without its valid token; nothing was changed."""
    return _render(request, "403_csrf.html", HttpResponseForbidden)


def new_reference():
    """A short reference a person can read out: 8 upper-case hex digits, e.g. ``"7F3A09C2"``."""
    return secrets.token_hex(4).upper()


def server_error(request):
    """``handler500``: the page that works without the database, with the log line's reference.

    Renders without the request, so no context processor (menu, unread count, the user) touches
    the database or the session; the translation the request activated still applies.
    """
    reference = new_reference()
    request.error_reference = reference
    try:
        html = loader.get_template("500.html").render({"reference": reference})
    except Exception:  # the layout itself broke (a missing static manifest …): words without it
        logger.exception("The 500 page could not be rendered [reference %s]", reference)
        html = format_html(
            '<!DOCTYPE html><html lang="{}"><title>{}</title><h1>{}</h1><p>{} {}</p></html>',
            get_language() or settings.LANGUAGE_CODE,
            _("Something went wrong"),
            _("Something went wrong"),
            _("Try again in a few minutes. If it keeps happening, tell the platform's support this reference:"),
            reference,
        )
    return HttpResponseServerError(html)


class DebugNotFoundMiddleware:
    """Under ``DEBUG``, answer a 404 with the site's page instead of Django's list of URL patterns.

    Django chooses its technical 404 page for ``Http404`` whenever ``DEBUG`` is on, before
    ``handler404`` is asked. A 404 raised by a view is caught here (``process_exception``); an
    address that matches no pattern never reaches a view (no ``resolver_match``), so its 404 is
    replaced on the way out. Sits outside ``CommonMiddleware`` so that a missing trailing slash
    still redirects first. Does nothing when ``DEBUG`` is off: ``handler404`` answers then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, None)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
