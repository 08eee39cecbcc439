"""Input no view can use, turned away before any view sees it: one place for every entry point.

A NUL character cannot be stored by PostgreSQL (``DataError``), JSON nested a thousand deep
overflows Python's stack (``RecursionError``), and a URL of many kilobytes is no request a person
or an identity provider makes. Each used to be a 500 wherever it reached a view first (the SCIM
endpoint, ``/campaigns/enroll/%00/``); here each is a 400 (or 414) before it gets that far.

Pages get the 400 page (``utilities.errors.bad_request``, the error page in the layout), also
under ``DEBUG``; the SCIM endpoint (``/scim/v2/``) answers with a SCIM Error body (RFC 7644 §3.12) in the client's
``Accept-Language``, English when it names none, since IT staff read it in the provider's log.
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

from utilities import encoding
from utilities.errors import HostileInput, bad_request

SCIM_PREFIX = "/scim/v2/"
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_URL_LENGTH = 8 * 1024  # characters of path and query string together
MAX_JSON_DEPTH = 32  # a SCIM resource is at most four levels deep; nothing we serve needs more


def client_language(request, default="en"):
    """The first language of ``Accept-Language`` Staffdesk speaks (``"zh-hans"`` or ``"en"``), else ``default``.

    Only the header counts, not the session or cookie: a machine client says what it reads there.
    """
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return default


def scim_error_response(status, detail, scim_type=None):
    """A SCIM Error (RFC 7644 §3.12) as ``application/scim+json``."""
    body = {"schemas": [SCIM_ERROR], "status": str(status), "detail": str(detail)}
    if scim_type:
        body["scimType"] = scim_type
    return HttpResponse(encoding.dumps(body), status=status, content_type="application/scim+json")


def _json_problem(data):
    """``"nul"``, ``"deep"`` or ``None`` for parsed JSON, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return "deep"
        if isinstance(value, str):
            if "\x00" in value:
                return "nul"
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return "nul"
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


def _body_problem(request):
    """What is wrong with a JSON body, if anything; a body that is not JSON is left to the view."""
    is_scim = request.path.startswith(SCIM_PREFIX)
    if request.method in ("GET", "HEAD", "OPTIONS") or not (is_scim or "json" in request.content_type):
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return None  # the view answers that one (413 for SCIM, the form's message for pages)
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except RecursionError:
        return "deep"
    except (ValueError, UnicodeDecodeError):
        return None
    return _json_problem(data)


class HostileInputMiddleware:
    """Answer 400 for NUL characters in the path, query string or a JSON body and for JSON nested
    deeper than ``MAX_JSON_DEPTH``; 414 for a URL longer than ``MAX_URL_LENGTH``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem is None:
            return self.get_response(request)
        status, scim_type, message = problem
        if request.path.startswith(SCIM_PREFIX):
            with translation.override(client_language(request)):
                return scim_error_response(status, message(), scim_type)
        if status == 414:
            return HttpResponse(message(), status=414, content_type="text/plain; charset=utf-8")
        # The 400 page itself, not a raised HostileInput: under DEBUG (the quick start) Django would
        # answer a raised one with its technical page, settings and all, to anyone.

        return bad_request(request, HostileInput(message()))

    def _problem(self, request):
        query = request.META.get("QUERY_STRING", "")
        if len(request.path) + len(query) > MAX_URL_LENGTH:
            return 414, None, lambda: _("This address is too long; send the details in the request body instead.")
        if "\x00" in request.path or "\x00" in request.path_info or any(
            "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values
        ):
            return 400, "invalidValue", lambda: _("The address contains a NUL character, which no name or value may contain.")
        problem = _body_problem(request)
        if problem == "nul":
            return 400, "invalidValue", lambda: _("The body contains a NUL character (\\u0000), which no name or value may contain.")
        if problem == "deep":
            return 400, "invalidSyntax", lambda: _(
                "The body is nested too deeply (more than %(depth)s levels); a resource is a few levels at most."
            ) % {"depth": MAX_JSON_DEPTH}
        return None
