"""Customer-chat pages for staff and the main account (R-36): workbench, settings, live view, history."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import owner_required, tenant_member_required
from accounts.models import User
from utilities.db_router import reads_from_replica
from utilities.encoding import JsonResponse
from utilities.exports import csv_response
from utilities.forms import attach_errors

from . import routing, selectors, services, streams
from .history import history_page
from .links import link_to
from .rows import conversation_items, workbench_items
from .forms import (
    BulkForm,
    GroupForm,
    HistoryFilterForm,
    MemberAddForm,
    MemberForm,
    MessageForm,
    NewGroupForm,
    SettingsForm,
    TransferForm,
    WaitingFilterForm,
)
from .models import ChatGroup, ChatMember, Conversation, DistributionSettings, Presence, message_text


def chat_taker_required(view_func):
    """The main account, or staff holding ``customer_chat``; anyone else logged in gets 403."""

    @tenant_member_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not services.holds_chat_right(request.user):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def history_reader_required(view_func):
    @tenant_member_required
    @wraps(view_func)
    def wrapper(request, *args, **kwargs):
        if not services.reads_chat_history(request.user):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return wrapper


def _wants_json(request):
    return request.headers.get("Accept", "").startswith("application/json")


def _presence(user):
    if not services.sets_presence(user):
        return None
    return Presence.objects.filter(user=user).first()


def _workbench_context(request, current=None):
    user = request.user
    presence = _presence(user)
    link = link_to("chat:conversation")
    # Tuples, no model rows, written by one format per row (issue 27).
    conversations = [
        (pk, link(pk), *rest)
        for pk, *rest in selectors.open_conversations(user).values_list(
            "pk", "buyer_nickname", "group__name", "is_overflow", "last_message_at", "unread"
        )
    ]
    context = {
        "conversations": conversations,
        "conversation_items": workbench_items(conversations, current_pk=current.pk if current else None),
        "current": current,
        "presence": presence,
        "online": bool(presence and presence.is_online()),
        "busy": bool(presence and presence.status == Presence.Status.BUSY and presence.is_reporting()),
        "heartbeat_ms": settings.CHAT_HEARTBEAT_SECONDS * 1000,
        # The main account chooses online / away only while its setting makes it a member.
        "sets_presence": user.is_staff_account
        or (
            user.is_owner
            and routing.distribution_settings(user.tenant_id).main_account_mode
            == DistributionSettings.MainAccountMode.MEMBER
        ),
    }
    return context


@chat_taker_required
@require_GET
def workbench(request):
    """The customer-service workbench: own open conversations, live (R-36)."""
    context = _workbench_context(request)
    if request.GET.get("fragment") == "list":
        return render(request, "chat/includes/conversation_list.html", context)
    return render(request, "chat/workbench.html", context)


@chat_taker_required
@require_POST
def presence(request):
    """Online / away from the workbench's buttons; ``heartbeat=1`` from its script every 20 s."""
    if request.POST.get("heartbeat"):
        alive = services.presence_heartbeat(actor=request.user)
        return JsonResponse({"online": bool(alive)})
    try:
        services.presence_set(actor=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if request.POST.get("status") == Presence.Status.ONLINE:
            messages.success(request, _("You are online: new conversations come to you while this page is open."))
        elif request.POST.get("status") == Presence.Status.BUSY:
            messages.success(request, _("You are busy: you keep your conversations and receive no new ones."))
        else:
            messages.success(
                request, _("You are away: no new conversations come to you, and your open ones went to others.")
            )
    return redirect("chat:workbench")


@chat_taker_required
@require_GET
def stream(request):
    """Server-sent events telling the workbench (and the owner's live view) to resync."""
    # The main account reads every conversation of its shop live: its streams follow the tenant.
    return streams.staff_stream(request, tenant_wide=request.user.is_owner)


def _visible(request, pk):
    return get_object_or_404(
        Conversation.objects.visible_to(request.user).select_related("group", "assignee"), pk=pk
    )


def _thread_state(user, conversation):
    serving = conversation.assignee_id == user.pk
    owner = user.is_owner
    return {
        "serving": serving,
        "can_reply": serving and conversation.is_open,
        "can_manage": (serving or owner) and conversation.is_open,
    }


@history_reader_required
def conversation_detail(request, pk):
    """One conversation's thread; for the person serving it, with reply, close and transfer."""
    conversation = _visible(request, pk)
    state = _thread_state(request.user, conversation)
    services.conversation_mark_read(actor=request.user, conversation=conversation)
    thread = selectors.messages_after(conversation)
    context = {"conversation": conversation, "thread": thread, **state, "reply_form": MessageForm()}
    if state["can_manage"]:
        people, groups = services.transfer_targets(request.user, conversation)
        context["transfer_form"] = TransferForm(people=people, groups=groups)
    if services.holds_chat_right(request.user):
        context.update(_workbench_context(request, current=conversation))
        return render(request, "chat/workbench.html", context)
    return render(request, "chat/conversation_detail.html", context)


@history_reader_required
def conversation_messages(request, pk):
    """JSON of the messages after ``?after=`` and the conversation's state: how a client resyncs."""
    conversation = _visible(request, pk)
    services.conversation_mark_read(actor=request.user, conversation=conversation)
    after = streams.last_event_id(request)
    return JsonResponse(
        {
            "messages": [streams.message_payload(m) for m in selectors.messages_after(conversation, after)],
            "status": conversation.status,
            "status_label": conversation.get_status_display(),
            "served_by": conversation.served_by_label,
            **_thread_state(request.user, conversation),
        }
    )


@history_reader_required
@require_POST
def conversation_reply(request, pk):
    conversation = _visible(request, pk)
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            message = services.staff_message_send(actor=request.user, conversation=conversation, body=form.cleaned_data["body"])
        except PermissionDenied as exc:
            error = str(exc) or _("You cannot reply to this conversation.")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if _wants_json(request):
                return JsonResponse({"message": streams.message_payload(message)}, status=201)
    else:
        error = " ".join(form.errors.get("body", [])) or _("Write a reply.")
    if _wants_json(request):
        return JsonResponse({"error": error}, status=403 if not request.user.can_send_chat else 400)
    messages.error(request, error)
    return redirect("chat:conversation", pk=conversation.pk)


@history_reader_required
@require_POST
def conversation_close(request, pk):
    conversation = _visible(request, pk)
    try:
        services.conversation_close(actor=request.user, conversation=conversation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("chat:conversation", pk=conversation.pk)
    messages.success(request, _("Conversation with %(name)s closed.") % {"name": conversation.buyer_nickname})
    return redirect("chat:workbench" if services.holds_chat_right(request.user) else "chat:history")


@history_reader_required
@require_POST
def conversation_transfer(request, pk):
    conversation = _visible(request, pk)
    if not conversation.is_open:
        messages.error(request, _("This conversation is closed."))
        return redirect("chat:conversation", pk=conversation.pk)
    if not _thread_state(request.user, conversation)["can_manage"]:
        raise PermissionDenied
    people, groups = services.transfer_targets(request.user, conversation)
    form = TransferForm(request.POST, people=people, groups=groups)
    if form.is_valid():
        try:
            moved = services.conversation_transfer(actor=request.user, conversation=conversation, **form.cleaned_data["target"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Conversation with %(buyer)s transferred to %(name)s.")
                % {"buyer": conversation.buyer_nickname, "name": moved.assignee.label},
            )
            return redirect("chat:workbench")
    else:
        messages.error(request, " ".join(form.errors.get("target", [])))
    return redirect("chat:conversation", pk=conversation.pk)


# Main account -----------------------------------------------------------------------------------


@owner_required
def distribution(request):
    """Groups, their members (cap, weight, enabled) and the main account's settings (R-36)."""
    tenant_id = request.user.tenant_id
    group_form = NewGroupForm(prefix="new")
    if request.method == "POST":
        group_form = NewGroupForm(request.POST, prefix="new")
        if group_form.is_valid():
            try:
                group = services.group_create(actor=request.user, **group_form.cleaned_data)
            except ValidationError as exc:
                attach_errors(group_form, exc)
            else:
                messages.success(request, _("Group %(name)s created.") % {"name": group.name})
                return redirect("chat:distribution")
    return _distribution_page(request, group_form=group_form)


def _with_links(groups):
    """``groups`` (from ``selectors.groups_with_members``) with their forms' paths precomputed:
    ``edit_url``, ``add_url``, and each member's ``edit_url``, ``toggle_url``, ``remove_url``."""
    group_edit, member_add_ = link_to("chat:group_edit"), link_to("chat:member_add")
    edit, toggle, remove = link_to("chat:member_edit"), link_to("chat:member_toggle"), link_to("chat:member_remove")
    for group in groups:
        group.edit_url, group.add_url = group_edit(group.pk), member_add_(group.pk)
        for member in group.member_list:
            member.edit_url, member.toggle_url, member.remove_url = edit(member.pk), toggle(member.pk), remove(member.pk)
    return groups


def _distribution_page(request, *, group_form=None, settings_form=None, status=200):
    tenant_id = request.user.tenant_id
    return render(
        request,
        "chat/distribution.html",
        {
            "groups": _with_links(selectors.groups_with_members(tenant_id)),
            "group_form": group_form or NewGroupForm(prefix="new"),
            "settings_form": settings_form or SettingsForm(instance=routing.distribution_settings(tenant_id), prefix="settings"),
            "buyer_url": request.build_absolute_uri(reverse("chat:shop", args=[request.user.tenant.slug])),
        },
        status=status,
    )


@owner_required
@require_POST
def settings_edit(request):
    """The main account's distribution settings (主账号分流设置)."""
    form = SettingsForm(request.POST, instance=routing.distribution_settings(request.user.tenant_id), prefix="settings")
    if form.is_valid():
        try:
            services.settings_update(actor=request.user, **{name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS})
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Distribution settings saved."))
            return redirect("chat:distribution")
    return _distribution_page(request, settings_form=form, status=400)


@owner_required
def group_edit(request, pk):
    group = get_object_or_404(ChatGroup, tenant_id=request.user.tenant_id, pk=pk)
    form = GroupForm(request.POST or None, instance=ChatGroup.objects.get(pk=group.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Group %(name)s saved.") % {"name": group.name})
            return redirect("chat:distribution")
    return render(request, "chat/group_form.html", {"form": form, "group": group})


@owner_required
@require_POST
def member_add(request, pk):
    group = get_object_or_404(ChatGroup, tenant_id=request.user.tenant_id, pk=pk)
    form = MemberAddForm(request.POST, candidates=selectors.chat_candidates(request.user.tenant_id, group=group))
    if form.is_valid():
        try:
            services.member_add(actor=request.user, group=group, user=form.cleaned_data["user"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(name)s added to %(group)s.") % {"name": form.cleaned_data["user"].label, "group": group.name}
            )
    else:
        messages.error(request, _("Choose a staff account holding the right “Customer chat reception”."))
    return redirect("chat:distribution")


def _member(request, pk):
    return get_object_or_404(ChatMember.objects.select_related("group", "user"), tenant_id=request.user.tenant_id, pk=pk)


@owner_required
@require_POST
def member_toggle(request, pk):
    member = _member(request, pk)
    choice = request.POST.get("enabled")
    if choice not in {"0", "1"}:
        messages.error(request, _("Choose enable or disable."))
        return redirect("chat:distribution")
    enabled = choice == "1"
    services.member_set_enabled(actor=request.user, member=member, enabled=enabled)
    if enabled:
        messages.success(request, _("%(name)s receives conversations of %(group)s again.") % {"name": member.user.label, "group": member.group.name})
    else:
        messages.success(request, _("%(name)s no longer receives conversations of %(group)s.") % {"name": member.user.label, "group": member.group.name})
    return redirect("chat:distribution")


@owner_required
@require_POST
def member_edit(request, pk):
    """A member's own reception cap (empty: the group's) and weight."""
    member = _member(request, pk)
    form = MemberForm(request.POST, instance=ChatMember.objects.get(pk=member.pk))
    if form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s's cap and weight in %(group)s saved.") % {"name": member.user.label, "group": member.group.name})
    else:
        errors = [f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items()]
        messages.error(request, " ".join(errors))
    return redirect("chat:distribution")


@owner_required
@require_POST
def member_remove(request, pk):
    member = _member(request, pk)
    services.member_remove(actor=request.user, member=member)
    messages.success(request, _("%(name)s removed from %(group)s.") % {"name": member.user.label, "group": member.group.name})
    return redirect("chat:distribution")


def _local(moment):
    """``moment`` as the live view prints it: local "m-d H:i" ("" for none)."""
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


@owner_required
@require_GET
def live(request):
    """Who is online, their load and the overflow conversations, refreshed as they change."""
    tenant_id = request.user.tenant_id
    link = link_to("chat:conversation")

    def listed(rows, when, limit):
        # (link, nickname, group, local time or server): tuples, no model rows (issue 27).
        if when == "server":
            fields = ("assignee__display_name", "assignee__account_name", "assignee__username")
        else:
            fields = (when,)
        return [
            (link(pk), nickname, group, _local(extra[0]) if when != "server" else (extra[0] or extra[1] or extra[2]))
            for pk, nickname, group, *extra in rows.values_list("pk", "buyer_nickname", "group__name", *fields)[:limit]
        ]

    context = {
        "rows": selectors.live_view(tenant_id),
        "overflow": listed(selectors.overflow_conversations(tenant_id), "created_at", 100),
        "queued": listed(selectors.waiting_conversations(tenant_id, state="queued"), "waiting_since", 100),
        "serving": listed(selectors.all_open_conversations(tenant_id).filter(is_overflow=False), "server", 200),
        "now": timezone.now(),
    }
    for name in ("overflow", "queued", "serving"):
        context[f"{name}_items"] = conversation_items(context[name])
    if request.GET.get("fragment") == "1":
        return render(request, "chat/includes/live_panel.html", context)
    return render(request, "chat/live.html", context)


# History ----------------------------------------------------------------------------------------


def _history_rows(request):
    """The filter form and the rows it selects. A field that cannot apply (too long, not a choice)
    shows its error next to it and is left out; the valid ones still filter (never the whole list
    silently, as if the search had found everything)."""
    form = HistoryFilterForm(request.GET or None, tenant_id=request.user.tenant_id)
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    rows = selectors.history(
        request.user, q=filters.get("q", ""), status=filters.get("status", ""), group=filters.get("group")
    )
    return form, rows


@history_reader_required
@require_GET
@reads_from_replica
def history(request):
    form, rows = _history_rows(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "chat/history.html",
        {"filter_form": form, "page_obj": history_page(rows, request.GET.get("page")), "query": query.urlencode()},
    )


@history_reader_required
@require_GET
@reads_from_replica
def history_export(request):
    """The filtered history as CSV, one row per conversation, with its whole transcript."""
    _form, rows = _history_rows(request)
    rows = rows.prefetch_related("messages")[:10_000]
    header = [
        _("Started at"),
        _("Group"),
        _("Buyer's nickname"),
        _("Served by"),
        _("Overflow"),
        _("Status"),
        _("Closed at"),
        _("Messages"),
        _("Transcript"),
    ]

    def line(conversation):
        thread = list(conversation.messages.all())
        transcript = "\n".join(
            f"{timezone.localtime(m.created_at):%Y-%m-%d %H:%M} {m.author_label or '-'}: {message_text(m)}" for m in thread
        )
        return [
            timezone.localtime(conversation.created_at).strftime("%Y-%m-%d %H:%M"),
            conversation.group.name,
            conversation.buyer_nickname,
            conversation.served_by_label,
            _("yes") if conversation.is_overflow else _("no"),
            conversation.get_status_display(),
            timezone.localtime(conversation.closed_at).strftime("%Y-%m-%d %H:%M") if conversation.closed_at else "",
            sum(1 for m in thread if m.kind != "system"),
            transcript,
        ]

    return csv_response("conversations.csv", header, (line(c) for c in rows))



@owner_required
def waiting(request):
    """Queued and overflow conversations, filtered, to assign to a member or close many at once."""
    tenant_id = request.user.tenant_id
    filters = WaitingFilterForm(request.GET or None, tenant_id=tenant_id)
    filters.is_valid()
    chosen = getattr(filters, "cleaned_data", {})
    rows = selectors.waiting_conversations(
        tenant_id, group=chosen.get("group"), state=chosen.get("state", ""), older_than=chosen.get("older_than")
    )
    people = User.objects.filter(pk__in=[p.pk for p in services.eligible_staff(tenant_id)]).order_by("account_name")
    form = BulkForm(request.POST or None, tenant_id=tenant_id, people=people)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = services.conversations_bulk(
                    actor=request.user, conversations=data["conversations"], action=data["action"], to_user=data["to_user"]
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                if data["action"] == "assign":
                    messages.success(
                        request, _("%(n)d conversations assigned to %(name)s.") % {"n": count, "name": data["to_user"].label}
                    )
                else:
                    messages.success(request, _("%(n)d conversations closed.") % {"n": count})
                return redirect(request.get_full_path())
        status = 400
    return render(
        request,
        "chat/waiting.html",
        {"filter_form": filters, "form": form, "rows": list(rows[:500]), "now": timezone.now()},
        status=status,
    )
