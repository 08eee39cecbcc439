"""``/scim/v2/``: the SCIM endpoint (bearer tokens, not sessions; see api.py).

Clients build URLs by joining strings: ``not_found`` (the last pattern) serves an address that
only a trailing or doubled slash keeps from matching (``/scim/v2/Users/``, ``/scim/v2//Users``)
as the endpoint it names.
"""

from django.urls import path

from . import api

app_name = "scim_api"

urlpatterns = [
    path("ServiceProviderConfig", api.service_provider_config, name="service_provider_config"),
    path("ResourceTypes", api.resource_types, name="resource_types"),
    path("ResourceTypes/<str:name>", api.resource_type, name="resource_type"),
    path("Schemas", api.schema_list, name="schemas"),
    path("Schemas/<str:uri>", api.schema_detail, name="schema"),
    path("Users", api.users, name="users"),
    path("Users/.search", api.users_search, name="users_search"),
    path("Users/<str:pk>", api.user, name="user"),
    path("Groups", api.groups, name="groups"),
    path("Groups/.search", api.groups_search, name="groups_search"),
    path("Groups/<str:pk>", api.group, name="group"),
    path(".search", api.root_search, name="search"),
    path("Me", api.not_implemented, name="me"),
    path("Bulk", api.not_implemented, name="bulk"),
    path("<path:rest>", api.not_found, name="not_found"),
]
