"""The buyer's side (R-36): one public chat page per shop, no login.

The conversation is remembered by a signed cookie scoped to the shop's chat path, holding only a
random key, so a reload (or another tab) continues it and nobody can guess another buyer's.
"""

from django.core.exceptions import ValidationError
from django.core.signing import BadSignature
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import dingtalk_exempt
from accounts.models import Tenant
from utilities.encoding import JsonResponse
from utilities.request_context import client_ip
from utilities.forms import attach_errors

from . import selectors, services, streams
from .forms import MessageForm, StartForm
from .models import Conversation

COOKIE = "chat_conversation"
COOKIE_SALT = "chat.buyer"
COOKIE_MAX_AGE = 30 * 24 * 3600


def _shop(slug):
    return get_object_or_404(Tenant, slug=slug)


def _cookie_path(tenant):
    return reverse("chat:shop", args=[tenant.slug])


def _conversation(request, tenant):
    """The buyer's conversation with this shop, from the signed cookie, or ``None``."""
    try:
        key = request.get_signed_cookie(COOKIE, default=None, salt=f"{COOKIE_SALT}:{tenant.pk}", max_age=COOKIE_MAX_AGE)
    except BadSignature:
        return None
    if not key:
        return None
    return Conversation.objects.filter(tenant=tenant, buyer_key=key).select_related("assignee", "group").first()


def _wants_json(request):
    return request.headers.get("Accept", "").startswith("application/json")


@dingtalk_exempt
@ensure_csrf_cookie
def shop(request, slug):
    """Start a conversation (choose a group, a nickname, the first message) or continue yours."""
    tenant = _shop(slug)
    conversation = _conversation(request, tenant)
    if conversation is not None:
        return render(
            request,
            "chat/buyer.html",
            {
                "tenant": tenant,
                "conversation": conversation,
                "state": streams.buyer_state(conversation),
                "thread": selectors.messages_after(conversation),
                "form": MessageForm(),
            },
        )
    form = StartForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.conversation_start(
                group=form.cleaned_data["group"],
                nickname=form.cleaned_data["nickname"],
                body=form.cleaned_data["body"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            response = redirect("chat:shop", slug=tenant.slug)
            response.set_signed_cookie(
                COOKIE,
                str(conversation.buyer_key),
                salt=f"{COOKIE_SALT}:{tenant.pk}",
                max_age=COOKIE_MAX_AGE,
                path=_cookie_path(tenant),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
            return response
    status = 400 if form.errors else 200
    return render(request, "chat/buyer_start.html", {"tenant": tenant, "form": form}, status=status)


@dingtalk_exempt
@require_POST
def send(request, slug):
    """The buyer writes; with ``Accept: application/json`` (the page's script) answers JSON."""
    tenant = _shop(slug)
    conversation = _conversation(request, tenant)
    if conversation is None:
        if _wants_json(request):
            return JsonResponse({"error": _("Your conversation has ended. Start a new one.")}, status=404)
        return redirect("chat:shop", slug=tenant.slug)
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            message = services.buyer_message_send(conversation=conversation, body=form.cleaned_data["body"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if _wants_json(request):
                return JsonResponse({"message": streams.message_payload(message)}, status=201)
            return redirect("chat:shop", slug=tenant.slug)
    else:
        error = " ".join(form.errors.get("body", [])) or _("Write a message.")
    if _wants_json(request):
        return JsonResponse({"error": error}, status=400)
    return render(
        request,
        "chat/buyer.html",
        {
            "tenant": tenant,
            "conversation": conversation,
            "state": streams.buyer_state(conversation),
            "thread": selectors.messages_after(conversation),
            "form": form,
            "error": error,
        },
        status=400,
    )


@dingtalk_exempt
@require_POST
def leave(request, slug):
    """Forget the conversation in this browser, to start a new one."""
    tenant = _shop(slug)
    response = redirect("chat:shop", slug=tenant.slug)
    response.delete_cookie(COOKIE, path=_cookie_path(tenant))
    return response


@dingtalk_exempt
@require_GET
def stream(request, slug):
    """Server-sent events of the buyer's conversation: its new messages and who serves it."""
    tenant = _shop(slug)
    conversation = _conversation(request, tenant)
    if conversation is None:
        raise Http404
    return streams.buyer_stream(request, conversation)

