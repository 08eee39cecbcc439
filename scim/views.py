"""The main account's SCIM provisioning settings: create, see once, and revoke tokens (R-37)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import owner_required
from utilities.forms import attach_errors

from .forms import ScimTokenForm
from .models import ScimToken
from .services import scim_token_create, scim_token_revoke


@owner_required
def token_list(request):
    """List the tenant's tokens; a POST creates one and shows its secret this once."""
    form = ScimTokenForm(request.POST or None, tenant=request.user.tenant)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = scim_token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Token “%(name)s” created. Copy it now: it is not shown again.") % {"name": token.name})
            form = ScimTokenForm(tenant=request.user.tenant)
    tokens = ScimToken.objects.visible_to(request.user).select_related("created_by", "default_department", "default_position")
    return render(
        request,
        "scim/token_list.html",
        {
            "form": form,
            "secret": secret,
            "tokens": tokens,
            "base_url": request.build_absolute_uri(reverse("scim_api:service_provider_config")).rsplit("/", 1)[0] + "/",
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@owner_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ScimToken.objects.visible_to(request.user), pk=pk)
    scim_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("scim:tokens")
