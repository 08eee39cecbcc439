"""Reads: what a viewer sees of campaigns, products, contact persons and effect rows."""

from dataclasses import dataclass

from django.db.models import Q

from accounts import permissions as catalogue
from utilities.text import normalize_identifier

from ..models import (
    Campaign,
    EffectDaily,
    EnrolledProduct,
)
from . import compiled
from .rights import (
    IN_SCOPE,
    VIEW_CAMPAIGN,
    VIEW_CONTACT_PRODUCTS,
    _counts_in_scope,
    has_right,
    holds_campaign_right,
    permission_id,
)


@dataclass(frozen=True)
class Scope:
    """What a staff account's visibility rests on: its groups and the contact persons whose
    products it sees (itself and everyone it oversees), read in one query."""

    group_ids: tuple
    contact_ids: tuple


def viewer_scope(user):
    """Read ``user``'s ``Scope``: one query over its group memberships and contact-person grants.

    A page that asks several questions reads it once and passes it to each (``scope=``); it is
    never cached on the user, so a change of department or admin flag shows on the next call.
    """
    if not (user.is_authenticated and user.is_staff_account):
        return Scope(group_ids=(), contact_ids=())
    rows = compiled.scope_rows(user.pk, permission_id(VIEW_CONTACT_PRODUCTS))
    group_ids, contact_ids = set(), set()
    for pk, kind in rows:
        (group_ids if kind == "g" else contact_ids).add(pk)
    return Scope(group_ids=tuple(sorted(group_ids)), contact_ids=tuple(sorted(contact_ids)))


def _campaign_permission_ids(user):
    perms = [permission_id(VIEW_CAMPAIGN)]
    if _counts_in_scope(user):
        perms.append(permission_id(IN_SCOPE))
    return perms


def _granted_campaign_ids(user, scope, field):
    """A ``Q`` on ``field`` (a campaign id): granted to ``user`` or to one of its groups, through
    the compiled subqueries (``compiled``), an ``IN`` per source of grants."""
    perms = _campaign_permission_ids(user)
    condition = Q(**{f"{field}__in": compiled.person_granted_campaigns(user.pk, perms)})
    by_group = compiled.group_granted_campaigns(scope.group_ids, perms)
    if by_group is not None:
        condition |= Q(**{f"{field}__in": by_group})
    return condition


def campaigns_visible_to(user, scope=None):
    """The tenant campaigns ``user`` may see (R-24); official ones are ``official_campaigns_for``."""
    if not user.is_authenticated or user.tenant_id is None:
        return Campaign.objects.none()
    tenant_campaigns = Campaign.objects.filter(tenant_id=user.tenant_id)
    if user.is_owner:
        return tenant_campaigns
    if not user.is_staff_account:
        return Campaign.objects.none()
    condition = _granted_campaign_ids(user, scope or viewer_scope(user), "pk")
    if _counts_in_scope(user):
        condition |= Q(scope_whole_tenant=True)
    return tenant_campaigns.filter(is_legacy=False).filter(condition)


def _in_visible_campaign(user, scope, field):
    """A ``Q`` on ``field`` (a campaign id) true for the campaigns ``campaigns_visible_to`` returns.

    It is an OR of one ``IN`` per source of visibility, never a single ``IN`` over their union:
    PostgreSQL flattens a lone ``IN`` into a join and sorts every match (190 ms for a level-1
    admin's pending products at R-41 scale), where the OR is checked row by row during the
    ordered index scan, which stops after one page (a few ms).
    """
    condition = _granted_campaign_ids(user, scope, field)
    if _counts_in_scope(user):
        whole = Campaign.objects.filter(tenant_id=user.tenant_id, scope_whole_tenant=True, is_legacy=False)
        condition |= Q(**{f"{field}__in": whole.values("pk")})
    return condition


def official_campaigns_for(user):
    """Official campaigns: every tenant's staff with a campaign right, and main accounts (R-25)."""
    if not holds_campaign_right(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(is_official=True, tenant__isnull=True)


def can_view_campaign(user, campaign, scope=None):
    """``campaign in campaigns_visible_to(user)`` (or ``official_campaigns_for``) for one campaign.

    The rules are those of ``campaigns_visible_to``, probed for this campaign's grants only: the
    set query builds the viewer's whole grant list first (10,000 rows for a level-1 admin at
    R-41 scale), a cost a list spreads over its page but a detail page would pay for one row.
    """
    if campaign.is_official:
        return official_campaigns_for(user).filter(pk=campaign.pk).exists()
    if not user.is_authenticated or user.tenant_id is None or campaign.tenant_id != user.tenant_id:
        return False
    if user.is_owner:
        return True
    if not user.is_staff_account or campaign.is_legacy:
        return False
    if campaign.scope_whole_tenant and _counts_in_scope(user):
        return True
    return bool(_visible_among(user, [campaign.pk], scope, whole_tenant=False))


def _visible_among(user, ids, scope=None, whole_tenant=True):
    """The set of ids among ``ids`` of the campaigns that a staff account ``user`` sees
    (``campaigns_visible_to``'s rule), each probed for its own grants: the cost follows
    ``len(ids)``, not the viewer's grant count, as the set query's does (it builds the viewer's
    whole grant list first). One query (``compiled.campaigns_among``)."""
    scope = scope or viewer_scope(user)
    return compiled.campaigns_among(
        ids,
        tenant_id=user.tenant_id,
        user_id=user.pk,
        group_ids=scope.group_ids,
        permission_ids=_campaign_permission_ids(user),
        whole_tenant=whole_tenant and _counts_in_scope(user),
    )


def campaign_or_404(user, pk, scope=None):
    """The campaign ``pk`` with its contact person and creator if ``user`` may open it, else
    ``Http404`` (another tenant's, out of scope, or no such campaign alike; STYLE 2)."""
    from django.http import Http404

    campaign = (
        Campaign.objects.filter(Q(tenant_id=user.tenant_id) | Q(is_official=True), pk=pk)
        .select_related("contact_person", "creator")
        .first()
    )
    if campaign is None or not can_view_campaign(user, campaign, scope):
        raise Http404
    return campaign


def campaign_titles_for(user, campaign_ids):
    """``{campaign id: title}`` for the campaigns of rows ``user`` already sees (report rows, products).

    What a viewer may see of a campaign they cannot open (R-28): a contact person sees their
    product, and its figures, in a campaign outside their scope; they see that campaign's title
    (to know what the product is enrolled in), never a link to it nor anything else of it.
    Only the viewer's own tenant's titles are read, whatever ids are passed.
    """
    if not user.is_authenticated or user.tenant_id is None or not campaign_ids:
        return {}
    return compiled.campaign_titles(user.tenant_id, campaign_ids)


def can_view_product(user, product, scope=None):
    """``product in products_visible_to(user)`` for one product, by the same rules (R-28)."""
    if not user.is_authenticated or user.tenant_id is None or product.tenant_id != user.tenant_id:
        return False
    if user.is_owner:
        return True
    if not user.is_staff_account:
        return False
    scope = scope or viewer_scope(user)
    if product.status == EnrolledProduct.Status.APPROVED:
        return product.contact_person_id is not None and product.contact_person_id in scope.contact_ids
    if product.status in REVIEWABLE_STATUSES and has_right(user, catalogue.REVIEW_ENROLLMENTS):
        return can_view_campaign(user, product.campaign, scope)
    return False


def tenant_product_or_404(user, pk, scope=None):
    """The product ``pk`` if ``user`` may see it, else ``Http404`` (other tenants' included)."""
    from django.http import Http404

    product = (
        EnrolledProduct.objects.filter(tenant_id=user.tenant_id, pk=pk)
        .select_related("campaign", "contact_person", "reviewed_by")
        .first()
    )
    if product is None or not can_view_product(user, product, scope):
        raise Http404
    return product


# What the product's page reads of its campaign and of the two accounts it names (their labels):
# the whole rows were 60 columns to compile and load for a handful shown (issue 27).
_PAGE_RELATED = (
    "campaign__tenant_id",
    "campaign__title",
    "campaign__is_official",
    "campaign__is_legacy",
    "campaign__scope_whole_tenant",
    *(f"{person}__{field}" for person in ("contact_person", "reviewed_by") for field in ("display_name", "account_name", "username")),
)


def product_page_or_404(user, pk, scope=None):
    """``tenant_product_or_404`` for the product's page: every column of the product, of its
    campaign and of its contact person and reviewer only what the page and the checks read
    (others load on access); ``Http404`` alike."""
    from django.http import Http404

    product_fields = [f.attname for f in EnrolledProduct._meta.concrete_fields]
    product = (
        EnrolledProduct.objects.filter(tenant_id=user.tenant_id, pk=pk)
        .select_related("campaign", "contact_person", "reviewed_by")
        .only(*product_fields, *_PAGE_RELATED)
        .first()
    )
    if product is None or not can_view_product(user, product, scope):
        raise Http404
    return product


REVIEWABLE_STATUSES = (EnrolledProduct.Status.PENDING, EnrolledProduct.Status.REJECTED)


def products_visible_to(user, scope=None, status=None):
    """Enrolled products ``user`` may see (R-28): approved ones by their contact person and the
    admins above them; pending and rejected ones by reviewers who can see the campaign.

    ``status`` narrows to one status. Pass it here rather than filtering the result: each status
    has its own rule, and a query that carries only that rule is planned far better (bench/).
    """
    if not user.is_authenticated or user.tenant_id is None:
        return EnrolledProduct.objects.none()
    tenant_products = EnrolledProduct.objects.filter(tenant_id=user.tenant_id)
    if status is not None:
        tenant_products = tenant_products.filter(status=status)
    if user.is_owner:
        return tenant_products
    if not user.is_staff_account:
        return EnrolledProduct.objects.none()
    scope = scope or viewer_scope(user)
    condition = Q(pk__in=[])
    if status in (None, EnrolledProduct.Status.APPROVED):
        condition |= Q(status=EnrolledProduct.Status.APPROVED, contact_person_id__in=scope.contact_ids)
    if (status is None or status in REVIEWABLE_STATUSES) and has_right(user, catalogue.REVIEW_ENROLLMENTS):
        statuses = REVIEWABLE_STATUSES if status is None else [status]
        condition |= Q(status__in=statuses) & _in_visible_campaign(user, scope, "campaign_id")
    return tenant_products.filter(condition)


def product_ids_visible_to(user, scope=None, status=None, search=None, limit=None):
    """``[id]``: the ids of ``products_visible_to(user, scope, status)`` newest first, at most
    ``limit`` of them (``None``: all), read by one compiled statement (``compiled.visible_product_ids``)
    instead of the ORM's: the list page's count and page keys (R-28). The rule is the same, term
    for term; ``tests/campaigns/test_compiled_visibility.py`` holds them to the same rows.

    ``search`` (text) keeps the products whose title or shop name contains it, whatever the
    case, or whose product ID is its normalised form (full-width digits, issue 15)."""
    if not user.is_authenticated or user.tenant_id is None:
        return []
    if user.is_owner:
        contact_ids, reviewable, group_ids, perms, whole = None, (), (), (), False
    elif not user.is_staff_account:
        return []
    else:
        scope = scope or viewer_scope(user)
        contact_ids, group_ids = scope.contact_ids, scope.group_ids
        reviewable, perms, whole = (), (), False
        if (status is None or status in REVIEWABLE_STATUSES) and has_right(user, catalogue.REVIEW_ENROLLMENTS):
            reviewable = REVIEWABLE_STATUSES if status is None else (status,)
            perms, whole = _campaign_permission_ids(user), _counts_in_scope(user)
    return compiled.visible_product_ids(
        tenant_id=user.tenant_id,
        status=status,
        contact_ids=contact_ids,
        reviewable_statuses=tuple(str(s) for s in reviewable),
        user_id=user.pk,
        group_ids=group_ids,
        permission_ids=perms,
        whole_tenant=whole,
        search=None if not search else (search, normalize_identifier(search)),
        limit=limit,
    )


def campaign_ids_visible_to(user, scope=None, title=None, period=None, limit=None):
    """``[id]``: the ids of ``campaigns_visible_to(user, scope)`` newest first, at most ``limit``
    of them (``None``: all), by one compiled statement (``compiled.visible_campaign_ids``; R-24):
    the campaign list's count and page keys, held to the ORM's rows by
    ``tests/campaigns/test_compiled_visibility.py``.

    ``title`` (text) keeps the titles containing it, whatever the case; ``period``
    (``(lookup, date)``: ``running``, ``upcoming`` or ``ended``) those running on, starting
    after or ended before the date."""
    if not user.is_authenticated or user.tenant_id is None:
        return []
    if not (user.is_owner or user.is_staff_account):
        return []
    owner = user.is_owner
    scope = None if owner else (scope or viewer_scope(user))
    return compiled.visible_campaign_ids(
        tenant_id=user.tenant_id,
        owner=owner,
        user_id=user.pk,
        group_ids=() if owner else scope.group_ids,
        permission_ids=() if owner else _campaign_permission_ids(user),
        whole_tenant=not owner and _counts_in_scope(user),
        title=title or None,
        period=period,
        limit=limit,
    )


def contact_ids_visible_to(user, scope=None):
    """The staff accounts whose products and effect data ``user`` sees (R-28, R-31); ``None``
    means every one (the main account)."""
    if not user.is_authenticated or user.tenant_id is None:
        return ()
    if user.is_owner:
        return None
    if not user.is_staff_account:
        return ()
    return (scope or viewer_scope(user)).contact_ids


def effect_reader(user):
    """Whether ``user`` may open the effect reports at all (R-7, R-31)."""
    return user.is_authenticated and user.tenant_id is not None and (
        user.is_owner or (user.is_staff_account and has_right(user, catalogue.VIEW_EFFECT_DATA))
    )


def effect_rows_visible_to(user, model, scope=None):
    """Rows of an effect rollup with ``tenant`` and ``contact_person`` (``EffectByContact``,
    ``EffectByCampaignContact``) within the viewer's data scope (R-31)."""
    if not effect_reader(user):
        return model.objects.none()
    rows = model.objects.filter(tenant_id=user.tenant_id)
    contacts = contact_ids_visible_to(user, scope)
    if contacts is None:
        return rows
    return rows.filter(contact_person_id__in=contacts)


def effects_visible_to(user):
    """Daily effect rows within the viewer's data scope (R-31): those of the approved products they see."""
    if not effect_reader(user):
        return EffectDaily.objects.none()
    effects = EffectDaily.objects.filter(tenant_id=user.tenant_id)
    contacts = contact_ids_visible_to(user)
    if contacts is None:
        return effects
    return effects.filter(product__status=EnrolledProduct.Status.APPROVED, product__contact_person_id__in=contacts)


def may_review(user, product, scope=None):
    """Whether ``user`` holds the right to review ``product``'s campaign (R-27), whatever its status."""
    if not user.is_authenticated or user.tenant_id != product.tenant_id:
        return False
    if user.is_owner:
        return True
    return has_right(user, catalogue.REVIEW_ENROLLMENTS) and can_view_campaign(user, product.campaign, scope)


def can_review(user, product, scope=None):
    """Whether ``user`` may approve or reject ``product`` now: it is pending and they may review."""
    return product.status == EnrolledProduct.Status.PENDING and may_review(user, product, scope)


def mark_reviewable(user, products, scope=None):
    """Set ``product.reviewable`` (``can_review``) on a page of products with at most one query."""
    products = list(products)
    pending = {p.campaign_id for p in products if p.status == EnrolledProduct.Status.PENDING}
    allowed = set()
    if pending and user.is_authenticated:
        if user.is_owner:
            allowed = pending
        elif has_right(user, catalogue.REVIEW_ENROLLMENTS) and user.is_staff_account:
            # The page's few campaigns probed one by one (at R-41 scale the set query spent
            # 6-30 ms hashing a level-1 admin's 12,000 grants to answer for five campaigns).
            allowed = _visible_among(user, pending, scope)
    for product in products:
        product.reviewable = (
            product.status == EnrolledProduct.Status.PENDING
            and product.tenant_id == user.tenant_id
            and product.campaign_id in allowed
        )
    return products
