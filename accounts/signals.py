"""Signals the accounts app sends so that the apps above it can follow, without it importing them."""

from django.dispatch import Signal

# Sent with ``tenant`` inside the service's transaction whenever staff accounts of that tenant are
# added, moved between departments, flagged admin or not, offboarded or bound to a new person.
# The org chart answers by re-syncing its scope groups (``orgchart.scope.sync_scope_groups``), so
# department and admin grants follow the people in the same transaction.
staff_placement_changed = Signal()

# Sent with ``staff`` and ``reason`` inside the service's transaction when a staff account stops
# being able to work: ``"disabled"``, ``"offboarded"``, ``"frozen"``, ``"muted"`` (verification
# rejected). The customer chat answers by routing the person's open conversations to others at
# once, in the same transaction.
staff_can_no_longer_serve = Signal()
