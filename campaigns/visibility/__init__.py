"""The one place that decides who sees which campaign, product and figure (R-24, R-25, R-28, R-31).

Grants are django-guardian rows in direct-foreign-key tables, written only by the ``*_sync_grants``
functions at the bottom of this module. There are two kinds.

Campaign grants (the object is a campaign)
    * creator → person grant ``view_campaign`` (sees it regardless of rights)
    * each scope department → its ``member_group`` gets ``campaign_in_scope``; its ``admin_group``
      (admins at or above it) gets ``view_campaign``
    * each named staff member → person grant ``campaign_in_scope``; their ``overseer_group``
      (admins at or above their department) gets ``view_campaign``
    * whole organisation → no rows; the ``scope_whole_tenant`` flag is read directly
  ``campaign_in_scope`` counts only for viewers who hold ``view_campaigns`` or
  ``publish_campaigns``, or who are department admins (an admin inside the scope is someone
  in scope). Legacy campaigns get no grants: the main account only.

Contact-person grants (the object is a staff account)
    ``accounts.view_contact_products``: "may see the approved products this person is contact
    person of, and their effect data" (R-28, R-31).
    * the staff account itself → person grant
    * its ``overseer_group`` (department admins at or above its department) → group grant
  Two rows per staff account, however many products it holds: approving, rejecting or handing
  over a product changes the product's ``contact_person`` and no grant. A viewer's visible
  contact persons are at most the tenant's staff (50), so product and report queries filter on
  ``contact_person_id IN (…)`` with a short literal list, which PostgreSQL answers from the
  ``(tenant, contact_person, id)`` index at any table size (see ``bench/``).
  Pending and rejected products have no grant: reviewers see them through the campaign.

Groups follow the org chart (``orgchart.scope.sync_scope_groups``), so tree moves and admin flags
rewrite group memberships, never grants.

The package splits by concern: ``rights`` (which catalogue rights open campaigns, permission ids),
``reads`` (every ``*_visible_to`` and ``*_or_404``), ``compiled`` (the fixed-shape SQL the reads
use, written once per process), ``grants`` (the only writers of guardian rows) and ``explain``
(the permission preview's sentences).
"""

from .explain import *  # noqa: F401,F403
from .grants import *  # noqa: F401,F403
from .reads import *  # noqa: F401,F403
from .rights import *  # noqa: F401,F403
