"""Reads of the org chart that answer "what may this person do" (R-6, R-8)."""

from django.utils.translation import gettext as _

from accounts.permissions import CATALOGUE


def effective_permissions(user):
    """Return ``[(catalogue entry, [source, …])]`` for every permission ``user`` holds.

    Sources name where each right comes from: the position, a supplementary grant, or the main
    account itself. The union of sources is what ``has_perm`` answers (R-6).
    """
    if user.is_owner:
        return [(entry, [_("Main account")]) for entry in CATALOGUE]
    from_position = set()
    if user.position_id:
        from_position = set(user.position.permissions.values_list("codename", flat=True))
    supplementary = set(user.user_permissions.filter(content_type__app_label="orgchart").values_list("codename", flat=True))
    result = []
    for entry in CATALOGUE:
        sources = []
        if entry.code in from_position:
            sources.append(_("Position %(name)s") % {"name": user.position.name})
        if entry.code in supplementary:
            sources.append(_("Supplementary"))
        if sources:
            result.append((entry, sources))
    return result
