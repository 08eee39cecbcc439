"""Production without an SMS channel (issue 23 item 1, R-12): nobody can bind, so the owner is told
before any link is made (add-staff form, temporary account, batch import: warning, then a
confirmation or nothing is stored), the dashboard says so, and the bind page never claims a code
was sent. In development the code is still printed to the console."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from accounts.models import Invitation, Notification, User
from accounts.services import staff as staff_services
from accounts.services.temporary import temporary_staff_add
from tests.personas import fresh, token_of

from .test_import import as_csv, org, row, staff_names  # noqa: F401  (org: the import's org chart fixture)

pytestmark = pytest.mark.django_db

WARNING = "Text messages are not set up on this site"
CONFIRM = "Add anyway: I know they cannot bind until text messages are set up"


@pytest.fixture
def no_sms(settings):
    settings.PRODUCTION = True
    settings.SMS_PROVIDER = ""
    settings.SMS_GATEWAY_URL = ""


def form_data(org, **extra):
    from orgchart.models import Department, Position

    return {
        "display_name": "张三",
        "account_name": "zhangsan",
        "mobile": "13612345678",
        "department": Department.objects.get(tenant=org, name="一组").pk,
        "position": Position.objects.get(tenant=org, name="运营").pk,
        **extra,
    }


def test_failing_input_add_staff_then_the_bind_page_never_says_a_code_was_sent(no_sms, owner_client, org, client):
    """The input of issue 23: no SMS channel in production, add a staff member, open the link."""
    response = owner_client.post(reverse("staff:add"), form_data(org, confirm_no_sms="on"), follow=True)
    staff = User.objects.get(tenant=org, account_name="zhangsan")
    page = response.content.decode()
    assert WARNING in page  # the owner is reminded after adding too
    link = re.search(r"/bind/[A-Za-z0-9_-]+/", page).group(0)

    bind_page = client.get(link).content.decode()
    assert "No code could be sent to 136****5678" in bind_page and "Ask your main account" in bind_page
    assert "code was sent" not in bind_page and "Send code" not in bind_page

    asked = client.post(link, {"send_code": "1"}, follow=True).content.decode()
    assert "code was sent" not in asked and "No code could be sent" in asked
    # No code exists to be guessed or leaked: binding cannot complete.
    invitation = Invitation.objects.get(user=staff)
    assert invitation.code_hash == "" and invitation.codes_sent == 0
    assert not Notification.objects.filter(recipient=staff, kind=Notification.Kind.BINDING_CODE).exists()
    client.post(link, {"code": "123456", "password1": "Fresh-password-88", "password2": "Fresh-password-88"})
    assert fresh(staff).status == User.Status.PENDING


def test_the_add_staff_form_warns_and_adds_only_once_the_owner_confirms(no_sms, owner_client, org):
    page = owner_client.get(reverse("staff:add")).content.decode()
    assert WARNING in page and CONFIRM in page

    response = owner_client.post(reverse("staff:add"), form_data(org))
    assert response.status_code == 200
    assert "Tick the box to add anyway" in " ".join(response.context["form"].errors["confirm_no_sms"])
    assert staff_names(org) == set() and not Invitation.objects.exists()

    response = owner_client.post(reverse("staff:add"), form_data(org, confirm_no_sms="on"))
    assert response.status_code == 302
    assert staff_names(org) == {"zhangsan"} and Invitation.objects.count() == 1


def test_the_services_refuse_unconfirmed_adds_whatever_the_caller(no_sms, owner, org):
    import datetime

    from django.utils import timezone

    from orgchart.models import Department, Position

    department, position = Department.objects.get(tenant=org, name="一组"), Position.objects.get(tenant=org, name="运营")
    with pytest.raises(ValidationError) as refused:
        staff_services.staff_add(
            actor=owner, tenant=org, display_name="张三", account_name="zhangsan", mobile="13612345678",
            department=department, position=position,
        )
    assert refused.value.error_dict["confirm_no_sms"][0].code == "no_sms"
    now = timezone.now()
    with pytest.raises(ValidationError, match="Tick the box"):
        temporary_staff_add(
            actor=owner, tenant=org, display_name="临时", account_name="temp1", mobile="13612345679",
            department=department, position=position, starts_at=now, ends_at=now + datetime.timedelta(days=1),
        )
    assert staff_names(org) == set()


def test_the_temporary_account_form_warns_too(no_sms, owner_client, org):
    page = owner_client.get(reverse("staff:temporary_add")).content.decode()
    assert WARNING in page and CONFIRM in page


def test_batch_import_warns_and_imports_only_once_confirmed(no_sms, owner_client, org):
    assert WARNING in owner_client.get(reverse("staff:import")).content.decode()
    owner_client.post(reverse("staff:import"), {"file": SimpleUploadedFile("s.csv", as_csv([row(1), row(2)]))})
    preview = owner_client.get(reverse("staff:import_preview")).content.decode()
    assert WARNING in preview and 'name="confirm_no_sms"' in preview

    response = owner_client.post(reverse("staff:import_commit"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("staff:import_preview")
    assert "Tick the box to add anyway" in response.content.decode()
    assert staff_names(org) == set() and not Invitation.objects.exists()

    response = owner_client.post(reverse("staff:import_commit"), {"confirm_no_sms": "1"})
    assert response["Location"] == reverse("staff:list")
    assert staff_names(org) == {"user01", "user02"}


def test_the_owners_dashboard_says_nobody_can_bind(no_sms, owner_client, settings):
    assert WARNING in owner_client.get(reverse("accounts:dashboard")).content.decode()
    settings.SMS_PROVIDER = "aliyun"
    assert WARNING not in owner_client.get(reverse("accounts:dashboard")).content.decode()
    settings.SMS_PROVIDER = ""
    settings.PRODUCTION = False
    assert WARNING not in owner_client.get(reverse("accounts:dashboard")).content.decode()


def test_in_development_without_a_channel_the_code_is_printed_and_binding_works(settings, owner, org, capsys, client):
    settings.PRODUCTION = False
    settings.SMS_PROVIDER = ""
    settings.SMS_GATEWAY_URL = ""
    from orgchart.models import Department, Position

    staff, link = staff_services.staff_add(
        actor=owner, tenant=org, display_name="张三", account_name="zhangsan", mobile="13612345678",
        department=Department.objects.get(tenant=org, name="一组"), position=Position.objects.get(tenant=org, name="运营"),
    )
    assert "Send code" in client.get(link).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the delivery runs once the request commits
        code = staff_services.binding_code_send(token=token_of(link))
    assert f"[sms] to 13612345678: Your binding code\n{code} is your code" in capsys.readouterr().out
    staff_services.invitation_accept(token=token_of(link), code=code, password="Fresh-password-88")
    assert fresh(staff).status == User.Status.ACTIVE
