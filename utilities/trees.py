"""Helpers for django-mptt trees that need no model of ours."""

from django.db.models import Q


def subtree_filter(node, prefix="department__"):
    """A ``Q`` matching rows whose ``<prefix>`` node lies in ``node``'s subtree (itself included).

    Reads the mptt columns (``tree_id``, ``lft``, ``rght``) of the related node, so it needs no join
    beyond the foreign key's own and serves any tree. The default prefix is a staff account's
    department.
    """
    return Q(
        **{
            f"{prefix}tree_id": node.tree_id,
            f"{prefix}lft__gte": node.lft,
            f"{prefix}rght__lte": node.rght,
        }
    )
