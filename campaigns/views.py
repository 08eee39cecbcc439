from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import owner_required, tenant_member_required
from utilities.db_router import reads_from_replica
from utilities.exports import csv_response, xlsx_response
from accounts.middleware import dingtalk_exempt
from utilities.pagination import capped_page
from utilities.request_context import client_ip
from utilities.forms import attach_errors
from accounts import permissions as catalogue

from . import listing, reports, services
from .forms import (
    AttentionForm,
    CampaignFilterForm,
    CampaignForm,
    EffectUploadForm,
    EnrollmentForm,
    ProductFilterForm,
    RejectForm,
)
from .models import Campaign
from .services.effects import TEMPLATE_HEADER, UploadRowErrors
from .visibility import (
    campaign_ids_visible_to,
    campaign_or_404,
    can_review,
    can_view_campaign,
    campaigns_visible_to,
    has_right,
    holds_campaign_right,
    mark_reviewable,
    may_review,
    official_campaigns_for,
    product_ids_visible_to,
    product_page_or_404,
    products_visible_to,
    tenant_product_or_404,
    viewer_scope,
)

SCOPE_FIELDS = ("scope_departments", "scope_staff")


def campaign_right_required(view_func):
    """Campaign pages are for the main account and staff holding a campaign right (R-7)."""

    @tenant_member_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not holds_campaign_right(request.user):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def _can_publish(user):
    return user.is_owner or has_right(user, catalogue.PUBLISH_CAMPAIGNS)


def _filter_campaigns(request, campaigns):
    form = CampaignFilterForm(request.GET or None)
    if form.is_valid():
        today = timezone.localdate()
        data = form.cleaned_data
        if data["q"]:
            campaigns = campaigns.filter(title__icontains=data["q"].strip())
        if data["phase"] == "running":
            campaigns = campaigns.filter(starts_on__lte=today, ends_on__gte=today)
        elif data["phase"] == "upcoming":
            campaigns = campaigns.filter(starts_on__gt=today)
        elif data["phase"] == "ended":
            campaigns = campaigns.filter(ends_on__lt=today)
    return form, campaigns


def _query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@campaign_right_required
def campaign_list(request):
    form = CampaignFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    phase = data.get("phase")

    def campaigns(limit):
        return campaign_ids_visible_to(
            request.user,
            title=(data.get("q") or "").strip(),
            period=(phase, timezone.localdate()) if phase else None,
            limit=limit,
        )

    page = listing.campaign_page(request, campaigns)
    return render(
        request,
        "campaigns/campaign_list.html",
        {"page_obj": page, "filter_form": form, "query": _query(request), "can_publish": _can_publish(request.user)},
    )


@campaign_right_required
def official_list(request):
    form, campaigns = _filter_campaigns(request, official_campaigns_for(request.user))
    page = capped_page(request, campaigns.order_by("-id"))
    return render(
        request,
        "campaigns/campaign_list.html",
        {"page_obj": page, "filter_form": form, "query": _query(request), "official": True},
    )


def _campaign_form_kwargs(form):
    data = dict(form.cleaned_data)
    scope = {name: data.pop(name) for name in SCOPE_FIELDS}
    return data, scope


@campaign_right_required
def campaign_create(request):
    if not _can_publish(request.user):
        raise PermissionDenied
    tenant = request.user.tenant
    form = CampaignForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        fields, scope = _campaign_form_kwargs(form)
        try:
            campaign = services.campaign_create(actor=request.user, tenant=tenant, **scope, **fields)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Campaign %(title)s published.") % {"title": campaign.title})
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@campaign_right_required
def campaign_edit(request, pk):
    campaign = get_object_or_404(campaigns_visible_to(request.user), pk=pk)
    if not _can_publish(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, instance=campaign, tenant=request.user.tenant)
    if request.method == "POST" and form.is_valid():
        fields, scope = _campaign_form_kwargs(form)
        try:
            services.campaign_update(actor=request.user, campaign=campaign, **scope, **fields)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@campaign_right_required
def campaign_detail(request, pk):
    user = request.user
    scope = viewer_scope(user)
    campaign = campaign_or_404(user, pk, scope)
    products = products_visible_to(user, scope).filter(campaign=campaign).select_related("contact_person")
    page = capped_page(request, products.order_by("-id"))
    mark_reviewable(user, page.object_list, scope)  # one query for the page, not one per product
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "page_obj": page,
            "can_edit": not campaign.is_official and _can_publish(user),
            "public_url": request.build_absolute_uri(reverse("campaigns:enroll", args=[campaign.public_token])),
            "audience": None if campaign.is_official else _audience(campaign),
        },
    )


@tenant_member_required
def product_list(request):
    user = request.user
    scope = viewer_scope(user)
    form = ProductFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    # The status goes into the visibility query itself: each status has its own rule.
    # Titles as typed; the product ID in its normalised form (full-width digits, issue 15).
    status, search = data.get("status") or None, (data.get("q") or "").strip()

    def products(limit):
        return product_ids_visible_to(user, scope, status=status, search=search, limit=limit)

    page = listing.product_page(request, products)
    mark_reviewable(user, page.object_list, scope)  # one query for the page, not one per product
    return render(
        request,
        "campaigns/product_list.html",
        {"page_obj": page, "filter_form": form, "query": _query(request)},
    )


def _visible_product(request, pk, scope=None):
    return tenant_product_or_404(request.user, pk, scope)


def _audience(campaign):
    """Who the campaign's scope names (R-23, R-24), for the campaign page to say in words:
    ``{"legacy", "whole_tenant", "departments": [name], "staff": [label]}``. Two queries."""
    return {
        "legacy": campaign.is_legacy,
        "whole_tenant": campaign.scope_whole_tenant,
        "departments": [d.name for d in campaign.scope_departments.order_by("name")],
        "staff": [s.label for s in campaign.scope_staff.order_by("display_name", "account_name")],
    }


@tenant_member_required
def product_detail(request, pk):
    return _render_product(request, pk, RejectForm())


def _render_product(request, pk, reject_form, status=200):
    user = request.user
    scope = viewer_scope(user)
    product = product_page_or_404(user, pk, scope)
    can_set_attention = user.is_owner or product.contact_person_id == user.pk
    # A contact person may see a product of a campaign they cannot open: its title, no link.
    campaign_openable = can_view_campaign(user, product.campaign, scope)
    return render(
        request,
        "campaigns/product_detail.html",
        {
            "product": product,
            "campaign_openable": campaign_openable,
            "reviewable": can_review(user, product, scope),
            "reject_form": reject_form,
            "attention_form": AttentionForm(initial={"attention": product.attention}) if can_set_attention else None,
        },
        status=status,
    )


@tenant_member_required
@require_POST
def product_review(request, pk, decision):
    product = _visible_product(request, pk)
    try:
        if decision == "approve":
            services.enrollment_approve(actor=request.user, product=product)
            messages.success(request, _("Approved. You are now the contact person of this product."))
        elif decision == "reject":
            form = RejectForm(request.POST)
            if form.is_valid():
                try:
                    services.enrollment_reject(actor=request.user, product=product, reason=form.cleaned_data["reason"])
                except ValidationError as exc:
                    if not hasattr(exc, "error_dict"):
                        raise
                    attach_errors(form, exc)
            if form.errors:
                if not may_review(request.user, product):
                    raise PermissionDenied
                # The reason is asked again next to its field; nothing changed.
                return _render_product(request, pk, form, status=400)
            messages.success(request, _("Rejected."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("campaigns:product_detail", pk=product.pk)


@tenant_member_required
@require_POST
def product_attention(request, pk):
    product = _visible_product(request, pk)
    form = AttentionForm(request.POST)
    if form.is_valid():
        try:
            services.product_set_attention(actor=request.user, product=product, attention=form.cleaned_data["attention"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attention level saved."))
    else:
        messages.error(request, _("Choose high, normal or off."))
    return redirect("campaigns:product_detail", pk=product.pk)


@dingtalk_exempt
def enroll(request, token):
    """The public enrollment page of one campaign (R-26): no login."""
    campaign = get_object_or_404(
        Campaign.objects.select_related("tenant", "contact_person"), public_token=token, is_official=False
    )
    form = EnrollmentForm(request.POST or None)
    done = None
    if request.method == "POST" and campaign.is_open and form.is_valid():
        try:
            done = services.enrollment_submit(campaign=campaign, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            form = EnrollmentForm()
    status = 200 if campaign.is_open else 410
    return render(request, "campaigns/enroll.html", {"campaign": campaign, "form": form, "done": done}, status=status)


def effect_right_required(view_func):
    @tenant_member_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_owner or has_right(request.user, catalogue.VIEW_EFFECT_DATA)):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def _report(request):
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    return reports.build_report(
        request.user,
        group_by=request.GET.get("by", "day"),
        days=days,
        figure=request.GET.get("figure", reports.DEFAULT_FIGURE),
    )


@effect_right_required
@reads_from_replica
def report(request):
    data = _report(request)
    chart = reports.trend_svg(
        data["series"],
        data["previous_series"],
        figure=data["figure"],
        labels={
            "current": _("Last %(days)d days") % {"days": data["days"]},
            "previous": _("The %(days)d days before") % {"days": data["days"]},
            "axis": _("Date"),
        },
    )
    figure_query = request.GET.copy()
    figure_query.pop("figure", None)
    return render(
        request,
        "campaigns/report.html",
        {
            "report": data,
            "chart": mark_safe(chart),  # built from numbers and escaped labels only
            "figures": list(reports.FIGURES.items()),
            "stats": [
                {
                    "key": key,
                    "label": label,
                    "total": data["totals"][key],
                    "change": data["changes"][key],
                    "money": key in reports.MONEY_FIGURES,
                }
                for key, label in reports.FIGURES.items()
            ],
            "figure_query": figure_query.urlencode(),
            "groupings": [(key, label) for key, (label, _fields) in reports.GROUPINGS.items()],
            "ranges": reports.RANGES,
            "query": _query(request),
        },
    )


@effect_right_required
@reads_from_replica
def report_export(request, fmt):
    data = _report(request)
    filename = f"effect-{data['group_by']}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
    header, rows = reports.export_header(data), list(reports.export_rows(data))
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", header, rows, sheet_title=str(data["group_label"]))
    return csv_response(f"{filename}.csv", header, rows)


@owner_required
def effect_upload(request):
    form = EffectUploadForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            count = services.effect_upload(actor=request.user, tenant=request.user.tenant, raw=form.cleaned_data["file"].read())
        except UploadRowErrors as exc:
            row_errors = exc.rows
            form.add_error("file", _("Nothing was stored: %(count)d rows have errors.") % {"count": len(exc.rows)})
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("%(count)d rows of effect data stored.") % {"count": count})
            return redirect("campaigns:report")
    return render(
        request,
        "campaigns/effect_upload.html",
        {"form": form, "row_errors": row_errors, "columns": TEMPLATE_HEADER},
    )


@owner_required
def effect_template(request):
    return csv_response("effect-data-template.csv", TEMPLATE_HEADER, [])

