"""``/scim/v2/``: the SCIM endpoint (bearer tokens, not sessions; see api.py).

Clients build URLs by joining strings, so a trailing slash (``/scim/v2/Users/``) and a doubled one
(``/scim/v2//Users``, from a base URL entered with its slash) reach the same endpoint.
"""

from django.urls import re_path

from . import api

app_name = "scim_api"


def endpoint(pattern, view, name):
    return re_path(rf"^(?:/*){pattern}/?$", view, name=name)


urlpatterns = [
    endpoint("ServiceProviderConfig", api.service_provider_config, "service_provider_config"),
    endpoint("ResourceTypes", api.resource_types, "resource_types"),
    endpoint("ResourceTypes/(?P<name>[^/]+)", api.resource_type, "resource_type"),
    endpoint("Schemas", api.schema_list, "schemas"),
    endpoint("Schemas/(?P<uri>[^/]+)", api.schema_detail, "schema"),
    endpoint("Users", api.users, "users"),
    endpoint(r"Users/\.search", api.users_search, "users_search"),
    endpoint("Users/(?P<pk>[^/]+)", api.user, "user"),
    endpoint("Groups", api.groups, "groups"),
    endpoint(r"Groups/\.search", api.groups_search, "groups_search"),
    endpoint("Groups/(?P<pk>[^/]+)", api.group, "group"),
    endpoint(r"\.search", api.root_search, "search"),
    endpoint("Me", api.not_implemented, "me"),
    endpoint("Bulk", api.not_implemented, "bulk"),
    re_path(r"^(?P<rest>.*)$", api.not_found, name="not_found"),
]
