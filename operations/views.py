"""Pages of operation accounts: the shop's side (main account and staff with the right) and the
individual's side (its invitations and, per shop, the task area). Thin: parse, select, call a service."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from utilities.exports import csv_response, xlsx_response
from utilities.pagination import folded_capped_page
from utilities.forms import attach_errors

from . import services
from .forms import BindingFilterForm, InviteForm, OrderFilterForm, OrderPlaceForm, StatementForm, TaskForm
from .models import ORDER_ACTIONS, TaskOrder
from .selectors import (
    bindings_addressed_to,
    bindings_visible_to,
    invitations_and_shops_of,
    is_shop_manager,
    open_orders_of,
    orders_visible_to,
    shops_of,
    statement_for,
    tasks_visible_to,
)

PAGE_SIZE = 25


def manager_required(view_func):
    """The shop's side: its main account or staff holding ``manage_operation_accounts`` (R-7).

    An individual gets 404 (no shop's back office exists for it, R-34); other members 403.
    """

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if request.user.is_individual:
            raise Http404
        if not is_shop_manager(request.user):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def individual_required(view_func):
    """The operation account's side: only individuals have shops to serve."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_individual:
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def participant_required(view_func):
    """Pages both sides open (statements, order steps); what each sees is ``selectors``' business."""

    @login_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_individual or is_shop_manager(request.user)):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _safe_next(request, fallback):
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return fallback


# The columns ``operation_tables.order_rows`` reads of an order and of its task.
ORDER_ROW_FIELDS = ("id", "number", "amount", "status", "placed_at", "binding_id", "task__title", "task__creator_name")
# ... and of the operation account, for its ``label``.
ACCOUNT_FIELDS = ("account__display_name", "account__account_name", "account__username")


# ... and what ``operation_tables.binding_rows`` reads of a binding record and its three people.
BINDING_ROW_FIELDS = (
    "id",
    "status",
    "invited_at",
    "answered_at",
    "ended_at",
    *ACCOUNT_FIELDS,
    *(f"{person}__{field}" for person in ("invited_by", "ended_by") for field in ("display_name", "account_name", "username")),
)


# The shop's side --------------------------------------------------------------------------


def _count_orders_of_page(page, tenant_id, field, attribute, **conditions):
    """Set ``attribute`` on each row of ``page`` to its number of ``tenant_id``'s task orders
    (``field`` is the order's foreign key to the row) matching ``conditions``: one grouped query
    over the page's rows. An annotation on the list's queryset counted the orders of every row of
    the tenant before the page was cut (190 ms at 100,000 orders). ``COUNT(*)``, not of a column:
    PostgreSQL then answers from the index alone (the task page's 44,000 orders at R-41 scale:
    12.7 ms through the table, 4.4 ms index-only)."""
    rows = list(page.object_list)
    counts = dict(
        TaskOrder.objects.filter(tenant_id=tenant_id, **{f"{field}__in": rows}, **conditions)
        .order_by()
        .values_list(field)
        .annotate(n=Count("*"))
        .values_list(field, "n")
    )
    for row in rows:
        setattr(row, attribute, counts.get(row.pk, 0))
    page.object_list = rows


@manager_required
def account_list(request):
    """Binding records (运营号绑定记录): every invitation and its fate, with open-order counts."""
    form = BindingFilterForm(request.GET or None)
    bindings = (
        bindings_visible_to(request.user)
        .select_related("account", "invited_by", "ended_by")
        .only(*BINDING_ROW_FIELDS)
        .order_by("-invited_at", "-id")
    )
    if form.is_valid() and form.cleaned_data["status"]:
        bindings = bindings.filter(status=form.cleaned_data["status"])
    page = folded_capped_page(request, bindings, per_page=PAGE_SIZE)
    _count_orders_of_page(page, request.user.tenant_id, "binding", "open_orders", status__in=TaskOrder.OPEN_STATUSES)
    return render(
        request,
        "operations/binding_list.html",
        {"page_obj": page, "filter_form": form, "invite_form": InviteForm(), "query": _query_without_page(request)},
    )


@manager_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            binding = services.binding_invite(
                actor=request.user, tenant=request.user.tenant, login=form.cleaned_data["login"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("%(person)s is invited. The binding is pending until they agree.") % {"person": binding.account.label}
            )
            return redirect("operations:account_list")
    return render(request, "operations/binding_invite.html", {"form": form})


def _binding_page(request, binding, *, refusal=None, status=200):
    orders = (
        orders_visible_to(request.user)
        .filter(binding=binding)
        .select_related("task")
        .only(*ORDER_ROW_FIELDS)
        .order_by("-placed_at", "-id")
    )
    page = folded_capped_page(request, orders, per_page=PAGE_SIZE)
    return render(
        request,
        "operations/binding_detail.html",
        {
            "binding": binding,
            "page_obj": page,
            "refusal": refusal,
            "open_count": open_orders_of(binding).count() if binding.is_active else 0,
            "replace_form": InviteForm(),
        },
        status=status,
    )


def _managed_binding(request, pk):
    return get_object_or_404(
        bindings_visible_to(request.user).select_related("account", "invited_by", "ended_by", "tenant"), pk=pk
    )


@manager_required
def account_detail(request, pk):
    return _binding_page(request, _managed_binding(request, pk))


@manager_required
@require_POST
def withdraw(request, pk):
    binding = _managed_binding(request, pk)
    try:
        services.binding_withdraw(actor=request.user, binding=binding)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invitation to %(person)s is withdrawn.") % {"person": binding.account.label})
    return redirect("operations:account_detail", pk=binding.pk)


@manager_required
@require_POST
def unbind(request, pk):
    binding = _managed_binding(request, pk)
    try:
        services.binding_unbind(actor=request.user, binding=binding)
    except services.OpenOrdersRemain as exc:
        return _binding_page(request, binding, refusal={"message": exc.messages[0], "orders": exc.orders}, status=409)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(person)s is unbound from your shop.") % {"person": binding.account.label})
    return redirect("operations:account_detail", pk=binding.pk)


@manager_required
def replace(request, pk):
    """Unbind this account and invite another person in its place, in one step (R-35)."""
    binding = _managed_binding(request, pk)
    if not binding.is_active:
        messages.error(
            request,
            _("Only an active operation account can be replaced. Withdraw a pending invitation and invite someone else instead."),
        )
        return redirect("operations:account_detail", pk=binding.pk)
    form = InviteForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            new = services.binding_replace(actor=request.user, binding=binding, login=form.cleaned_data["login"])
        except services.OpenOrdersRemain as exc:
            refusal = {"message": exc.messages[0], "orders": exc.orders}
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(old)s is unbound and %(new)s invited in their place.")
                % {"old": binding.account.label, "new": new.account.label},
            )
            return redirect("operations:account_detail", pk=new.pk)
    return render(
        request,
        "operations/binding_replace.html",
        {"binding": binding, "form": form, "refusal": refusal},
        status=409 if refusal else 200,
    )


@manager_required
def task_list(request):
    tasks = tasks_visible_to(request.user).order_by("-is_open", "deadline", "id")
    page = folded_capped_page(request, tasks, per_page=PAGE_SIZE)
    _count_orders_of_page(page, request.user.tenant_id, "task", "order_count")
    return render(request, "operations/task_list.html", {"page_obj": page})


@manager_required
def task_add(request):
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_create(
                actor=request.user,
                tenant=request.user.tenant,
                title=data["title"],
                creator_name=data["creator_name"],
                fee=data["fee"],
                deadline=data["deadline"],
                description=data["description"],
                is_open=data["is_open"],
                submission=data["submission"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Task saved."))
            return redirect("operations:task_list")
    return render(request, "operations/task_form.html", {"form": form})


@manager_required
def task_edit(request, pk):
    task = get_object_or_404(tasks_visible_to(request.user), pk=pk)
    form = TaskForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in services.TASK_FIELDS}
        try:
            services.task_update(actor=request.user, task=task, **fields)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Task saved."))
            return redirect("operations:task_list")
    return render(request, "operations/task_form.html", {"form": form, "task": task})


def _account_choices(user):
    rows = bindings_visible_to(user).values_list("account_id", "account__username", "account__display_name").order_by(
        "account__username"
    )
    seen = {}
    for account_id, username, display_name in rows:
        seen.setdefault(account_id, f"{display_name} ({username})" if display_name else username)
    return list(seen.items())


@manager_required
def order_list(request):
    """Every operation account's orders of the shop (R-34), filtered by account, state, date, number."""
    form = OrderFilterForm(request.GET or None, accounts=_account_choices(request.user))
    # Only what the order table shows: the binding's columns and the rest of the account row were
    # read and turned into objects for nothing.
    orders = form.filter(orders_visible_to(request.user)).select_related("task", "account").only(*ORDER_ROW_FIELDS, *ACCOUNT_FIELDS)
    page = folded_capped_page(request, orders.order_by("-placed_at", "-id"), per_page=PAGE_SIZE)
    return render(
        request,
        "operations/order_list.html",
        {"page_obj": page, "filter_form": form, "query": _query_without_page(request)},
    )


# Both sides -------------------------------------------------------------------------------


STATEMENT_PAGE_SIZE = 50
STATEMENT_ROW_FIELDS = ("id", "number", "amount", "status", "placed_at", "task__title", "task__creator_name")


def _statement(request, pk):
    binding = get_object_or_404(bindings_visible_to(request.user).select_related("account", "tenant"), pk=pk)
    form = StatementForm(request.GET or None)
    start, end = form.period()
    return binding, form, statement_for(binding, start=start, end=end)


def _statement_page(request, data):
    """The requested ``?page=`` of the statement's orders (``STATEMENT_PAGE_SIZE`` a page, only the
    columns the table shows). Its count is the statement's own ``count``, summed in the same query
    as the totals: the paginator's ``COUNT(*)`` over the same rows was a query for nothing."""
    paginator = Paginator(data["orders"].only(*STATEMENT_ROW_FIELDS), STATEMENT_PAGE_SIZE)
    paginator.count = data["count"]  # a cached_property: set, it is never computed
    return paginator.get_page(request.GET.get("page"))


@participant_required
def statement(request, pk):
    """The statement (账单明细) of one operation account with one shop (R-35)."""
    binding, form, data = _statement(request, pk)
    return render(
        request,
        "operations/statement.html",
        {
            "binding": binding,
            "form": form,
            "statement": data,
            # The busiest account has some 1,400 orders a year: the page shows them 50 at a time
            # (600 ms of CPU for the whole year at once); the totals and the exports cover them all.
            "page_obj": _statement_page(request, data),
            "query": _query_without_page(request),
            # A period refused next to its field is not downloaded as another one.
            "downloadable": not form.is_bound or form.is_valid(),
        },
    )


@participant_required
def statement_export(request, pk, fmt):
    binding, form, data = _statement(request, pk)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('operations:statement', args=[binding.pk])}?{request.GET.urlencode()}")
    header = [_("Order number"), _("Task"), _("Creator"), _("Placed at"), _("State"), _("Amount (¥)")]
    rows = [
        [
            order.number,
            order.task.title,
            order.task.creator_name,
            timezone.localtime(order.placed_at).strftime("%Y-%m-%d %H:%M"),
            order.get_status_display(),
            order.amount,
        ]
        for order in data["orders"]
    ]
    rows.append([])
    rows.append([_("Total (without cancelled orders)"), "", "", "", "", data["total"]])
    rows.append([_("Of which confirmed"), "", "", "", "", data["confirmed_total"]])
    rows.append([_("Of which open"), "", "", "", "", data["open_total"]])
    rows.append([_("Cancelled"), "", "", "", "", data["cancelled_total"]])
    filename = f"statement-{binding.account.username}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", header, rows, sheet_title=str(_("Statement")))
    return csv_response(f"{filename}.csv", header, rows)


STATUS_OF_ACTION = {action: status for status, action in ORDER_ACTIONS.items()}


@participant_required
@require_POST
def order_action(request, pk, action):
    order = get_object_or_404(orders_visible_to(request.user).select_related("binding"), pk=pk)
    if action not in STATUS_OF_ACTION:
        raise Http404
    if request.user.is_individual:
        fallback = reverse("operations:work_orders", args=[order.binding_id])
    else:
        fallback = reverse("operations:account_detail", args=[order.binding_id])
    try:
        order = services.order_move(actor=request.user, order=order, status=STATUS_OF_ACTION[action])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Order %(number)s: %(state)s.") % {"number": order.number, "state": order.get_status_display()}
        )
    return redirect(_safe_next(request, fallback))


# The individual's side ---------------------------------------------------------------------


@individual_required
def my_shops(request):
    """The shops this person serves, and the invitations waiting for an answer."""
    invitations, shops = invitations_and_shops_of(request.user)
    return render(request, "operations/my_shops.html", {"invitations": invitations, "shops": shops})


@login_required  # an invitation not addressed to the viewer does not exist for it: 404
@require_POST
def invitation_answer(request, pk, answer):
    # Any invitation to the viewer, so that one withdrawn or already answered meanwhile says so.
    binding = get_object_or_404(bindings_addressed_to(request.user), pk=pk)
    if answer not in ("agree", "decline"):
        raise Http404
    try:
        services.binding_answer(actor=request.user, binding=binding, agree=answer == "agree")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("operations:my_shops")
    if answer == "agree":
        messages.success(request, _("You are now the operation account of %(shop)s.") % {"shop": binding.tenant.name})
        return redirect("operations:work", pk=binding.pk)
    messages.success(request, _("You declined the invitation of %(shop)s.") % {"shop": binding.tenant.name})
    return redirect("operations:my_shops")


def _my_binding(request, pk):
    binding = get_object_or_404(shops_of(request.user), pk=pk)
    # One of the viewer's own shops: its operation account is the viewer, already loaded (reading
    # it back for ``tasks_visible_to(binding.account)`` was a query).
    binding.account = request.user
    return binding


def _open_tasks(binding):
    return tasks_visible_to(binding.account).filter(tenant_id=binding.tenant_id, deadline__gte=timezone.localdate())


@login_required  # the binding is found among the viewer's own shops or not at all (404)
def work(request, pk):
    """One shop's task area: its open tasks, to place orders for."""
    binding = _my_binding(request, pk)
    tasks = _open_tasks(binding).order_by("deadline", "id")
    page = folded_capped_page(request, tasks, per_page=PAGE_SIZE)
    return render(request, "operations/work_tasks.html", {"binding": binding, "page_obj": page})


@login_required  # the binding is found among the viewer's own shops or not at all (404)
def work_orders(request, pk):
    """This person's own orders with one shop, never another account's (R-34)."""
    binding = _my_binding(request, pk)
    form = OrderFilterForm(request.GET or None)
    orders = form.filter(orders_visible_to(request.user).filter(binding=binding)).select_related("task").only(*ORDER_ROW_FIELDS)
    page = folded_capped_page(request, orders.order_by("-placed_at", "-id"), per_page=PAGE_SIZE)
    return render(
        request,
        "operations/work_orders.html",
        {"binding": binding, "page_obj": page, "filter_form": form, "query": _query_without_page(request)},
    )


@login_required  # the binding is found among the viewer's own shops or not at all (404)
def order_place(request, pk):
    binding = _my_binding(request, pk)
    tasks = _open_tasks(binding).order_by("deadline", "id")
    initial = {"task": request.GET.get("task")} if request.GET.get("task", "").isdigit() else {}
    form = OrderPlaceForm(request.POST or None, tasks=tasks, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_place(
                actor=request.user,
                binding=binding,
                task=form.cleaned_data["task"],
                amount=form.cleaned_data["amount"],
                submission=form.cleaned_data["submission"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Order %(number)s placed.") % {"number": order.number})
            return redirect("operations:work_orders", pk=binding.pk)
    return render(request, "operations/order_place.html", {"binding": binding, "form": form})
