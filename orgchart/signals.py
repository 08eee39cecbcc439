"""Signals the org chart sends so that the apps above it can follow, without it importing them."""

from django.dispatch import Signal

# Sent with ``instance`` (a Department or Position about to be deleted, inside the service's
# transaction). A receiver returns a list of reasons (translated phrases such as "it is the
# default department of SCIM token “Okta”") why it must stay; any reason refuses the delete, with
# the reasons in the message. SCIM answers for its tokens' defaults (R-37). See ``delete_blockers``.
delete_checked = Signal()


def delete_blockers(instance):
    """The reasons the apps above give for keeping ``instance``; empty when it may go."""
    reasons = []
    for _receiver, answer in delete_checked.send(sender=type(instance), instance=instance):
        reasons.extend(answer or ())
    return reasons
