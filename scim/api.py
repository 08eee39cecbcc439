"""The SCIM 2.0 endpoint (RFC 7644): one per tenant, the bearer token says which.

No session, no CSRF token: an identity provider authenticates every request with
``Authorization: Bearer …``. Every answer is ``application/scim+json``; every failure is a SCIM
Error with its status (and ``scimType`` where RFC 7644 §3.12 has one), never an HTML page or a 500.
"""

import functools
import json
import logging

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.db.models import Count, Window
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    EnterpriseUser,
    Error,
    Group,
    InvalidFilterException,
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    Meta,
    MutabilityException,
    Path,
    PatchOp,
    ResponseParameters,
    ScimPolicy,
    SCIMException,
    SearchRequest,
    User,
)

from utilities import encoding
from utilities.hostile import client_language

from . import schemas, selectors, services
from .errors import syntax_detail, validation_detail
from .filters import filter_to_q, sort_field
from .resources import (
    GROUP_ATTRIBUTES,
    GROUP_FIELDS,
    USER_ATTRIBUTES,
    USER_FIELDS,
    as_model,
    group_representation,
    resource_paths,
    user_representation,
)
from .returned import shaped

logger = logging.getLogger(__name__)

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
DEFAULT_COUNT = 100

# What identity providers send beyond the letter of RFC 7644, accepted so provisioning does not stop:
# - a standard attribute Staffdesk does not store (Okta's ``password`` and ``locale``, Entra's
#   ``title`` or the enterprise ``employeeNumber``) is ignored; one no standard schema defines is
#   still refused by name (``_refuse_undefined``), so a typo does not vanish silently;
# - Entra removes group members with ``{"op": "Remove", "path": "members", "value": [{"value": id}]}``;
# - Entra writes ``emails[type eq "work"].value`` on an account that has no work e-mail yet.
IDP_POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def scim_response(payload, status=200, location=None):
    response = HttpResponse(encoding.dumps(payload), status=status, content_type=schemas.SCIM_CONTENT_TYPE)
    if location:
        response["Location"] = location
    return response


def error_response(status, detail, scim_type=None):
    error = Error(status=status, scim_type=scim_type, detail=str(detail))
    response = scim_response(error.model_dump(), status=status)
    response.scim_error = {"scimType": scim_type, "detail": str(detail)}
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _bearer(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def endpoint(*methods):
    """Authenticate by bearer token, allow ``methods``, and answer every failure as a SCIM Error."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            # Error details in the client's Accept-Language, English when it names none: IT staff
            # read them in the identity provider's log, not in Staffdesk.
            with translation.override(client_language(request)):
                return _authenticated(view, methods, request, *args, **kwargs)

        wrapper.scim_api = True
        return wrapper

    return decorate


def _authenticated(view, methods, request, *args, **kwargs):
    token = services.scim_token_authenticate(_bearer(request))
    if token is None:
        return error_response(401, _("Send a valid bearer token: Authorization: Bearer <token>."))
    if request.method not in methods:
        response = error_response(405, _("%(method)s is not supported here.") % {"method": request.method})
        response["Allow"] = ", ".join(methods)
        return response
    request.scim_token = token
    request.scim_base = request.build_absolute_uri("/").rstrip("/")
    request.scim_results = None
    request.scim_filter = request.GET.get("filter") or None
    response = _answer(view, request, *args, **kwargs)
    services.scim_use_record(
        token=token,
        method=request.method,
        path=request.path,
        status=response.status_code,
        filter_text=request.scim_filter,
        results=request.scim_results,
        error=getattr(response, "scim_error", None),
    )
    return response


def _answer(view, request, *args, **kwargs):
    """Run ``view`` and turn whatever it raises into a SCIM Error response."""
    try:
        with IDP_POLICY:
            return view(request, *args, **kwargs)
    except SCIMException as exc:
        error = exc.to_error()
        what = {"invalidFilter": "filter", "invalidPath": "path"}.get(error.scim_type)
        return error_response(error.status or 400, syntax_detail(error.detail, what), error.scim_type)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        error = Error.from_validation_error(first)
        return error_response(error.status or 400, validation_detail(first), error.scim_type or "invalidValue")
    except Http404:
        return error_response(404, _("No such resource in your organisation."))
    except RecursionError:
        return error_response(400, _("The request is nested too deeply to read."), "invalidSyntax")
    except RequestDataTooBig:
        return error_response(413, _("The request body is too large; send one resource of ordinary size per request."))
    except Exception:  # a SCIM client must get SCIM back, whatever broke
        logger.exception("SCIM request failed: %s %s", request.method, request.path)
        return error_response(500, _("Staffdesk could not complete this request; it has been logged."))


def _body(request):
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSyntaxException(detail=_("The body is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail=_("The body must be a JSON object."))
    return data


# Discovery (RFC 7644 §4) ------------------------------------------------------------------------


@endpoint("GET")
def service_provider_config(request):
    config = schemas.service_provider_config()
    config.meta = _meta("ServiceProviderConfig", request.build_absolute_uri())
    request.scim_results = 1
    return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _meta(resource_type, location):
    return Meta(resource_type=resource_type, location=location)


def _discovery_list(request, items, endpoint_name):
    for item in items:
        item.meta = _meta(type(item).__name__, f"{request.scim_base}/scim/v2/{endpoint_name}/{item.id}")
    dumped = [item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for item in items]
    request.scim_results = len(dumped)
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(dumped),
        "startIndex": 1,
        "itemsPerPage": len(dumped),
        "Resources": dumped,
    }


@endpoint("GET")
def resource_types(request):
    if request.GET.get("filter"):
        return error_response(403, _("Filtering is not supported on this endpoint."), None)
    return scim_response(_discovery_list(request, schemas.resource_types(), "ResourceTypes"))


@endpoint("GET")
def resource_type(request, name):
    found = [r for r in schemas.resource_types() if r.id == name]
    if not found:
        raise Http404
    return scim_response(_discovery_list(request, found, "ResourceTypes")["Resources"][0])


def _schemas(request):
    return schemas.schemas(selectors.schema_suggestions(request.scim_token.tenant))


@endpoint("GET")
def schema_list(request):
    if request.GET.get("filter"):
        return error_response(403, _("Filtering is not supported on this endpoint."), None)
    return scim_response(_discovery_list(request, _schemas(request), "Schemas"))


@endpoint("GET")
def schema_detail(request, uri):
    found = [s for s in _schemas(request) if s.id == uri]
    if not found:
        raise Http404
    return scim_response(_discovery_list(request, found, "Schemas")["Resources"][0])


# Users and Groups -------------------------------------------------------------------------------


class Kind:
    """One resource type: its model, columns, scoped rows, the fields a representation reads and
    how it is built, its attributes' ``returned`` rules, what cannot be removed, and the standard
    (RFC 7643) model whose attributes we accept and ignore when we do not store them."""

    def __init__(self, model, columns, queryset, fields, represent, attributes, unremovable, standard):
        self.model, self.columns, self.queryset, self.fields, self.represent, self.attributes = (
            model,
            columns,
            queryset,
            fields,
            represent,
            attributes,
        )
        self.unremovable, self.standard = unremovable, standard


def _users(request, rows, included):
    """The full User representations of ``rows`` (``values(*USER_FIELDS)``)."""
    paths, locations = selectors.department_paths(request.scim_token.tenant), resource_paths(request.scim_base)
    return [user_representation(row, paths=paths, locations=locations) for row in rows]


def _groups(request, rows, included):
    """The full Group representations of ``rows`` (``values(*GROUP_FIELDS)``): members in one query;
    the departments' paths, returned on request only, read only when some attribute is asked for."""
    if not rows:
        return []
    tenant = request.scim_token.tenant
    members = selectors.department_members(tenant, [row["pk"] for row in rows])
    paths = selectors.department_paths(tenant) if included else {}
    locations = resource_paths(request.scim_base)
    return [group_representation(row, members=members.get(row["pk"]), paths=paths, locations=locations) for row in rows]


USERS = Kind(
    schemas.UserResource,
    selectors.USER_COLUMNS,
    selectors.provisioned_staff,
    USER_FIELDS,
    _users,
    USER_ATTRIBUTES,
    # Exactly these paths (compared whole, never as a prefix): removing ``manager`` or
    # ``employeeNumber`` of the enterprise extension is accepted and ignored, as writing them is.
    {
        "active": gettext_lazy("a staff account is always enabled or disabled: replace it with true or false."),
        selectors.ENTERPRISE_USER.rstrip(":"): gettext_lazy(
            "every staff account belongs to one department: replace departmentId to move it."
        ),
        selectors.ENTERPRISE_USER + "department": gettext_lazy(
            "every staff account belongs to one department: replace departmentId to move it."
        ),
        selectors.STAFFDESK_USER.rstrip(":"): gettext_lazy(
            "every staff account has one department and one position: replace them instead."
        ),
        selectors.STAFFDESK_USER + "departmentId": gettext_lazy(
            "every staff account belongs to one department: replace departmentId to move it."
        ),
        selectors.STAFFDESK_USER + "position": gettext_lazy(
            "every staff account has one position: replace it with another position's name."
        ),
    },
    User[EnterpriseUser],
)
GROUPS = Kind(
    schemas.GroupResource,
    selectors.GROUP_COLUMNS,
    selectors.departments,
    GROUP_FIELDS,
    _groups,
    GROUP_ATTRIBUTES,
    {},
    Group,
)


def _query_params(request):
    params = {k: v for k, v in request.GET.items() if k in {"filter", "sortBy", "sortOrder", "startIndex", "count", "attributes", "excludedAttributes"}}
    return params


def _search(request, kind, params):
    request.scim_filter = params.get("filter") or None
    search = SearchRequest[kind.model].model_validate(params, scim_ctx=Context.SEARCH_REQUEST)
    tenant = request.scim_token.tenant
    rows = kind.queryset(tenant)
    if search.filter:
        try:
            rows = rows.filter(filter_to_q(str(search.filter), kind.model, kind.columns))
        except (ValueError, TypeError) as exc:
            raise InvalidFilterException(detail=str(exc)) from exc
    order = "pk"
    if search.sort_by:
        order = sort_field(str(search.sort_by), kind.model, kind.columns)
        if search.sort_order and search.sort_order.value == "descending":
            order = "-" + order
    rows = rows.order_by(order, "pk")
    start = max(search.start_index or 1, 1)
    count = DEFAULT_COUNT if search.count is None else min(max(search.count, 0), schemas.MAX_RESULTS)
    page = []
    if count and start <= MAX_OFFSET:  # an offset beyond 2**63 is an error: such a page is empty
        # The total comes with the page (COUNT(*) OVER ()): one query, not two.
        page = list(rows.annotate(scim_total=Window(Count("pk"))).values(*kind.fields, "scim_total")[start - 1 : start - 1 + count])
    total = page[0]["scim_total"] if page else (0 if count and start == 1 else rows.count())
    included, excluded = _wanted(search)
    resources = [shaped(r, kind.attributes, included, excluded) for r in kind.represent(request, page, included)]
    request.scim_results = len(resources)
    return scim_response(
        {"schemas": [LIST_RESPONSE], "totalResults": total, "startIndex": start, "itemsPerPage": len(resources), "Resources": resources}
    )


MAX_OFFSET = 2**62


def _wanted(parameters):
    """``(attributes, excludedAttributes)`` of parsed ``ResponseParameters``, as lists of strings."""
    return (
        [str(a) for a in parameters.attributes or []],
        [str(a) for a in parameters.excluded_attributes or []],
    )


def _pk(pk):
    """``pk`` as an int; an id that is not one of ours (``abc``, ``-1``, a GUID) is 404."""
    pk = str(pk)
    if not pk.isdigit() or len(pk) > 18:
        raise Http404
    return int(pk)


def _one(request, kind, pk):
    """The tenant's resource ``pk`` (a model object, for the services to change)."""
    found = kind.queryset(request.scim_token.tenant).filter(pk=_pk(pk)).first()
    if found is None:
        raise Http404
    return found


def _representation(request, kind, pk, included=()):
    """The full representation of the tenant's resource ``pk`` (a dict); 404 when there is none."""
    rows = list(kind.queryset(request.scim_token.tenant).filter(pk=_pk(pk)).values(*kind.fields))
    if not rows:
        raise Http404
    return kind.represent(request, rows, included)[0]


def _current(request, kind, pk):
    """The stored state of resource ``pk`` as a scim2-models object, every attribute included."""
    return as_model(kind.model, _representation(request, kind, pk, included=["*"]))


def _show(request, kind, pk, status=200):
    params = ResponseParameters[kind.model].model_validate(
        {k: v for k, v in request.GET.items() if k in {"attributes", "excludedAttributes"}}
    )
    included, excluded = _wanted(params)
    resource = shaped(_representation(request, kind, pk, included), kind.attributes, included, excluded)
    request.scim_results = 1
    return scim_response(resource, status=status, location=resource["meta"]["location"] if status == 201 else None)


def _collection(kind, create):
    def view(request):
        if request.method == "GET":
            return _search(request, kind, _query_params(request))
        resource = kind.model.model_validate(_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        _refuse_undefined(resource, kind)
        obj = create(request, resource)
        return _show(request, kind, obj.pk, status=201)

    return view


def _search_view(kind):
    def view(request):
        body = _body(request)
        sent = body.get("schemas", [SEARCH_REQUEST])
        if not isinstance(sent, list) or SEARCH_REQUEST not in sent:
            raise InvalidSyntaxException(detail=_("A search request names the SearchRequest schema."))
        body.pop("schemas", None)
        return _search(request, kind, body)

    return view


def _detail(kind, replace, delete):
    def view(request, pk):
        if request.method == "GET":
            return _show(request, kind, pk)
        obj = _one(request, kind, pk)
        if request.method == "DELETE":
            delete(request, obj)
            return HttpResponse(status=204)
        if request.method == "PUT":
            body = _body(request)
            resource = kind.model.model_validate(body, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
            _refuse_undefined(resource, kind)
            _keep_read_only(resource, _current(request, kind, obj.pk), body)
        else:  # PATCH: apply the operations to what is stored, then store the result as a replacement
            patch = PatchOp[kind.model].model_validate(_without_echoes(_body(request)), scim_ctx=Context.RESOURCE_PATCH_REQUEST)
            _refuse_removals(patch, kind)
            _refuse_undefined_paths(patch, kind)
            resource = _current(request, kind, obj.pk)
            _apply(patch, resource)
        replace(request, obj, resource)
        return _show(request, kind, obj.pk)

    return view


def _refuse_removals(patch, kind):
    """Some attributes always have a value in Staffdesk: removing them is refused, not ignored."""
    for operation in patch.operations or []:
        if operation.op.value != "remove" or operation.path is None:
            continue
        target = str(operation.path).lower()
        for path, message in kind.unremovable.items():
            if target == path.lower() or (":" not in path and target == selectors.CORE_USER.lower() + path.lower()):
                raise MutabilityException(detail=f"{operation.path}: {message}")


def _apply(patch, resource):
    """Apply the operations one by one, so a value that does not fit names the path it was sent for."""
    for operation in patch.operations or []:
        try:
            patch.model_copy(update={"operations": [operation]}).patch(resource)
        except InvalidValueException as exc:
            if not isinstance(exc.__cause__, pydantic.ValidationError):
                raise
            first = exc.__cause__.errors()[0]
            detail = validation_detail(first, str(operation.path) if operation.path else None)
            raise InvalidValueException(detail=detail) from exc


def _defined(kind, path):
    """Whether ``path`` names an attribute Staffdesk serves or one the standard schemas define."""
    for model in (kind.model, kind.standard):
        extensions = {(f.serialization_alias or f.alias or "").lower() for f in model.model_fields.values()}
        if path.lower() in extensions - {""}:  # a whole extension, e.g. the enterprise User
            return True
        try:
            if Path[model](path).resolve() is not None:
                return True
        except (ValueError, TypeError, SCIMException):
            continue
    return False


def _unknown_paths(obj, prefix=""):
    """The attributes a validated resource held that no model declares, as SCIM paths."""
    found = [prefix + name for name in (getattr(obj, "unknown_attributes", None) or {})]
    for name, field in type(obj).model_fields.items():
        value = getattr(obj, name, None)
        alias = field.serialization_alias or field.alias or name
        inner = f"{alias}:" if alias.startswith("urn:") else f"{prefix}{alias}."
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, pydantic.BaseModel):
                found += _unknown_paths(item, inner)
    return found


def _refuse_undefined(resource, kind):
    """Ignore a standard attribute we do not store; refuse, by name, one no standard schema has."""
    undefined = sorted({path for path in _unknown_paths(resource) if not _defined(kind, path)})
    if undefined:
        raise InvalidSyntaxException(
            detail=_("%(names)s: no SCIM schema Staffdesk serves defines this; check the spelling or remove it.")
            % {"names": ", ".join(undefined)}
        )


def _refuse_undefined_paths(patch, kind):
    """A PATCH path (or a key of a path-less value) that no schema defines is refused, not dropped."""
    undefined = []
    for operation in patch.operations or []:
        if operation.path is not None:
            if not _defined(kind, str(operation.path)):
                undefined.append(str(operation.path))
        elif isinstance(operation.value, dict):
            undefined += [key for key in operation.value if not _defined(kind, key)]
    if undefined:
        raise InvalidPathException(
            detail=_("%(names)s: no SCIM schema Staffdesk serves defines this; check the spelling or remove it.")
            % {"names": ", ".join(sorted(set(undefined)))}
        )


def _keep_read_only(resource, current, body):
    """A PUT need not repeat what it cannot change (RFC 7644 §3.5.1): keep the userName; a Group PUT
    that does not mention ``members`` (a rename) keeps them, so nobody moves by accident; a User
    PUT that does not mention ``phoneNumbers`` (Okta's profile push has none) keeps the mobile,
    maybe entered by the owner, which binding needs. An empty list removes it."""
    if getattr(resource, "user_name", "") is None and hasattr(current, "user_name"):
        resource.user_name = current.user_name
    if hasattr(current, "phone_numbers") and not any(key.lower() == "phonenumbers" for key in body):
        resource.phone_numbers = current.phone_numbers
    if hasattr(current, "members") and not any(key.lower() == "members" for key in body):
        resource.members = current.members


# What a client echoes back in a member object from what it read: read-only, and not ours to change.
ECHOED_MEMBER_KEYS = {"display", "$ref", "type"}


def _without_echoes(body):
    """The PATCH body with ``display``, ``$ref`` and ``type`` dropped from member objects.

    Okta's Group Push always sends ``display``; Entra may send ``type``. They only label the
    member, whose ``value`` says who it is; answering 400 (or matching nothing on removal and
    answering 200) would stop the provider keeping a department's members.
    """
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    for operation in operations:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "").lower()
        value = operation.get("value")
        if path.startswith("members") or path.endswith(":members"):
            targets = value if isinstance(value, list) else [value]
        elif isinstance(value, dict):
            members = next((v for k, v in value.items() if k.lower() == "members"), None)
            targets = members if isinstance(members, list) else []
        else:
            targets = []
        for member in targets:
            if isinstance(member, dict) and "value" in member:
                for key in [k for k in member if k.lower() in ECHOED_MEMBER_KEYS]:
                    del member[key]
    return body


def _paths(request):
    return selectors.department_paths(request.scim_token.tenant)


users = endpoint("GET", "POST")(
    _collection(USERS, lambda request, r: services.scim_user_create(token=request.scim_token, resource=r, paths=_paths(request)))
)
users_search = endpoint("POST")(_search_view(USERS))
user = endpoint("GET", "PUT", "PATCH", "DELETE")(
    _detail(
        USERS,
        replace=lambda request, staff, r: services.scim_user_replace(
            token=request.scim_token, staff=staff, resource=r, paths=_paths(request)
        ),
        delete=lambda request, staff: services.scim_user_delete(token=request.scim_token, staff=staff),
    )
)
groups = endpoint("GET", "POST")(
    _collection(GROUPS, lambda request, r: services.scim_group_create(token=request.scim_token, resource=r))
)
groups_search = endpoint("POST")(_search_view(GROUPS))
group = endpoint("GET", "PUT", "PATCH", "DELETE")(
    _detail(
        GROUPS,
        replace=lambda request, department, r: services.scim_group_replace(
            token=request.scim_token, department=department, resource=r
        ),
        delete=lambda request, department: services.scim_group_delete(token=request.scim_token, department=department),
    )
)


@endpoint("POST")
def root_search(request):
    """``POST /.search`` across Users and Groups (RFC 7644 §3.4.3): one list, Users first.

    An attribute only one of them has matches nothing of the other (RFC 7644 §3.4.2.1); one
    neither has is an invalid filter.
    """
    body = _body(request)
    body.pop("schemas", None)
    wanted = {k: v for k, v in body.items() if k in {"filter", "attributes", "excludedAttributes"}}
    results, failures = [], []
    for kind in (USERS, GROUPS):
        try:
            search = SearchRequest[kind.model].model_validate(wanted, scim_ctx=Context.SEARCH_REQUEST)
            rows = kind.queryset(request.scim_token.tenant)
            if search.filter:
                rows = rows.filter(filter_to_q(str(search.filter), kind.model, kind.columns))
        except (pydantic.ValidationError, InvalidFilterException) as exc:
            failures.append(exc)
            continue
        included, excluded = _wanted(search)
        found = list(rows.order_by("pk").values(*kind.fields))
        results += [shaped(r, kind.attributes, included, excluded) for r in kind.represent(request, found, included)]
    if len(failures) == 2:
        raise failures[0]
    paging = SearchRequest.model_validate(
        {k: v for k, v in body.items() if k in {"startIndex", "count"}}, scim_ctx=Context.SEARCH_REQUEST
    )
    start = max(paging.start_index or 1, 1)
    count = DEFAULT_COUNT if paging.count is None else min(max(paging.count, 0), schemas.MAX_RESULTS)
    page = results[start - 1 : start - 1 + count]
    request.scim_filter = wanted.get("filter") or None
    request.scim_results = len(page)
    return scim_response(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(results),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": page,
        }
    )


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def _not_found(request, rest=""):
    return error_response(404, _("There is no SCIM endpoint at this address."))


@csrf_exempt
def not_found(request, rest=""):
    """An address no endpoint matches: with its stray slashes dropped (``Users/``, ``/Users``,
    ``Users//5``) it may name one, which then answers; otherwise 404 as a SCIM Error."""
    cleaned = "/".join(part for part in rest.split("/") if part)
    if cleaned != rest:
        try:
            match = resolve(request.path_info[: len(request.path_info) - len(rest)] + cleaned)
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            return match.func(request, *match.args, **match.kwargs)
    return _not_found(request, rest)


not_found.scim_api = True


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def not_implemented(request):
    """``/Me`` and ``/Bulk``: 501, as RFC 7644 §3.11 and §3.7 say for what a provider does not support.

    An expected answer, not a server fault: it is logged at info, and Django's request logger (which
    writes every 5xx as an ERROR) is told it has been logged, so monitoring does not page anybody.
    """
    response = error_response(
        501, _("Staffdesk does not support this endpoint; send one request per resource to /Users or /Groups.")
    )
    logger.info("SCIM client asked for an unsupported endpoint: %s %s (501)", request.method, request.path)
    response._has_been_logged = True  # django.utils.log.log_response skips it
    return response
