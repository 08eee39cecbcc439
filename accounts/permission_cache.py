"""A staff account's permission set, read from the shared cache instead of the database (issue 16).

Every page a staff member opens needs their rights (the menus, the view's own check): their
position's permissions plus their supplementary ones (R-6). They change rarely, but a change must
apply at the very next page load (R-14). So the set is cached under the account and its position
in one generation for all accounts (``utilities.cache.Generations``), which any change to a
permission assignment anywhere retires.

Since issue 27 the logged-in user's own set travels inside its cached user object
(``accounts.user_cache``, keyed by a generation the database keeps); this cache still serves
the sets of user objects loaded otherwise (another account's, as a preview or a list reads it).

What retires the generation: ``m2m_changed`` of any many-to-many relation to ``Permission`` (a
position's permissions, a user's supplementary ones, a group's), and the deletion of a
permission. These are the only ways rows of those tables change: every writer (``orgchart``'s
position services, the staff services, the admin, SCIM) uses ``.set()``.
"""

from django.contrib.auth.models import Permission

from utilities.cache import Generations

SCOPE = "all"
# Five minutes: should a retirement fail to reach Redis from one worker while others still read
# it (a partial outage), a removed right lasts that long at most (utilities/cache.py).
generations = Generations("permissions", timeout_seconds=300)


def cached_permissions(user, read):
    """The permission set of ``user`` (``{"app_label.codename", ...}``): the cached copy when it is
    of the current generation, else ``read(user)`` (the database read, then cached)."""
    return set(generations.get(SCOPE, f"{user.pk}:{user.position_id or 0}", lambda: frozenset(read(user))))


def new_generation():
    """Retire every cached permission set (now and after the current commit)."""
    generations.retire(SCOPE)


def on_m2m_changed(sender, instance, action, model, **kwargs):
    """Receiver of ``m2m_changed``: a new generation when a permission assignment changed."""
    if action.startswith("post_") and (model is Permission or isinstance(instance, Permission)):
        new_generation()


def on_permission_deleted(sender, **kwargs):
    """Receiver of ``post_delete`` of ``Permission``."""
    new_generation()
