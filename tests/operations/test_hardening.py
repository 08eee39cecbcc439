"""What a new user broke by poking at the operation-account pages (issue 12, second pass): each
test is one kind of bad input or careless click, answered by a clear message next to the field,
with nothing changed, and never another account's data."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from operations import services
from operations.models import OperationBinding, Task, TaskOrder

from tests.personas import individual, reload, task_for

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def task_data(**changes):
    data = {"title": "直播口播", "creator_name": "阿杰", "fee": "500.00", "description": "", "deadline": days(10).isoformat(), "is_open": "on"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


# Tasks -----------------------------------------------------------------------------------------


def test_a_task_added_closed_stays_closed(client, owner):
    client.force_login(owner)

    response = client.post(reverse("operations:task_add"), task_data(is_open=None))

    assert response.status_code == 302
    assert Task.objects.get(title="直播口播").is_open is False


@pytest.mark.parametrize(
    "deadline,message",
    [
        (days(-1), "cannot be in the past"),
        (days(400), "no later than"),
        (datetime.date(9999, 12, 31), "no later than"),
    ],
)
def test_a_task_deadline_is_between_today_and_a_year_ahead(client, owner, deadline, message):
    client.force_login(owner)

    response = client.post(reverse("operations:task_add"), task_data(deadline=deadline.isoformat()))

    assert response.status_code == 200
    assert message in " ".join(field_errors(response, "deadline"))
    assert not Task.objects.exists()
    with pytest.raises(ValidationError) as refused:
        task_for(owner, days=(deadline - timezone.localdate()).days)
    assert "deadline" in refused.value.message_dict


def test_editing_a_task_whose_deadline_passed_keeps_it_but_a_new_deadline_must_be_ahead(client, owner):
    task = task_for(owner)
    Task.objects.filter(pk=task.pk).update(deadline=days(-5))  # time passed
    client.force_login(owner)
    url = reverse("operations:task_edit", args=[task.pk])

    response = client.post(url, task_data(title=task.title, creator_name=task.creator_name, fee="800.00", deadline=days(-5).isoformat(), is_open=None))
    assert response.status_code == 302 and reload(task).is_open is False

    response = client.post(url, task_data(deadline=days(-1).isoformat()))
    assert response.status_code == 200 and "cannot be in the past" in " ".join(field_errors(response, "deadline"))
    assert reload(task).deadline == days(-5) and reload(task).title != "直播口播"


def test_dates_typed_in_full_width_digits_are_read(client, owner, shop):
    client.force_login(owner)
    deadline = days(10).isoformat()

    response = client.post(reverse("operations:task_add"), task_data(deadline=deadline.translate(FULL_WIDTH), fee="５００"))
    assert response.status_code == 302
    assert Task.objects.get(title="直播口播").deadline == days(10)

    today = timezone.localdate().isoformat().translate(FULL_WIDTH)
    response = client.get(reverse("operations:statement", args=[shop.binding_a.pk]), {"start": "２０１９－０７－０１", "end": today})
    assert response.context["form"].is_valid()
    response = client.get(reverse("operations:order_list"), {"date_from": today})
    assert response.context["filter_form"].is_valid()


def test_sending_the_task_form_twice_adds_one_task(client, owner):
    client.force_login(owner)
    form = client.get(reverse("operations:task_add")).context["form"]
    data = task_data(submission=form["submission"].value())

    first = client.post(reverse("operations:task_add"), data)
    second = client.post(reverse("operations:task_add"), data)

    assert first.status_code == second.status_code == 302
    assert Task.objects.count() == 1


# Orders ----------------------------------------------------------------------------------------


def test_an_order_costs_at_most_the_tasks_fee(client, op_a, shop):
    client.force_login(op_a)
    url = reverse("operations:order_place", args=[shop.binding_a.pk])
    before = TaskOrder.objects.count()

    for amount in ("800.01", "1e9", "9999999999.99"):
        response = client.post(url, {"task": shop.task.pk, "amount": amount})
        assert response.status_code == 200, amount
        assert "800.00" in " ".join(field_errors(response, "amount")), amount
    with pytest.raises(ValidationError) as refused:
        services.order_place(actor=op_a, binding=shop.binding_a, task=shop.task, amount=Decimal("800.01"))
    assert "amount" in refused.value.message_dict

    assert TaskOrder.objects.count() == before
    response = client.post(url, {"task": shop.task.pk, "amount": "７９９.５０"})
    assert response.status_code == 302
    assert TaskOrder.objects.latest("id").amount == Decimal("799.50")


def test_sending_the_order_form_twice_places_one_order(client, op_a, shop):
    client.force_login(op_a)
    url = reverse("operations:order_place", args=[shop.binding_a.pk])
    submission = client.get(url).context["form"]["submission"].value()
    before = TaskOrder.objects.count()

    first = client.post(url, {"task": shop.task.pk, "submission": submission})
    second = client.post(url, {"task": shop.task.pk, "submission": submission}, follow=True)

    assert first.status_code == 302 and second.status_code == 200
    assert TaskOrder.objects.count() == before + 1
    order = TaskOrder.objects.latest("id")
    assert order.number in second.content.decode()
    # A new form is a new order.
    client.post(url, {"task": shop.task.pk, "submission": client.get(url).context["form"]["submission"].value()})
    assert TaskOrder.objects.count() == before + 2


def test_a_submission_of_another_binding_is_not_taken_for_this_one(op_a, shop):
    order = services.order_place(actor=op_a, binding=shop.binding_a, task=shop.task, submission="x" * 32)

    with pytest.raises(ValidationError):
        services.order_place(actor=shop.b1.account, binding=shop.binding_b, task=shop.task, submission="x" * 32)

    assert services.order_place(actor=op_a, binding=shop.binding_a, task=shop.task, submission="x" * 32) == order


def test_the_order_filter_says_when_the_period_ends_before_it_starts(client, owner, shop):
    client.force_login(owner)

    response = client.get(reverse("operations:order_list"), {"date_from": days(0).isoformat(), "date_to": days(-1).isoformat()})

    assert response.status_code == 200
    assert "before the start" in " ".join(response.context["filter_form"].errors["date_to"])


# Statements ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query,field,message",
    [
        ({"end": "9999-12-31"}, "end", "after today"),
        ({"end": days(1).isoformat()}, "end", "after today"),
        ({"start": days(1).isoformat()}, "start", "after today"),
        ({"start": "2020-01-01", "end": "2019-12-31"}, "end", "before the start"),
        ({"start": "abc"}, "start", "valid date"),
    ],
)
def test_a_statement_period_in_the_future_or_backwards_is_refused_and_not_exported(client, owner, shop, query, field, message):
    client.force_login(owner)

    page = client.get(reverse("operations:statement", args=[shop.binding_a.pk]), query)
    assert message in " ".join(page.context["form"].errors[field])
    assert 'data-testid="statement-csv"' not in page.content.decode()  # no download of a period nobody asked for

    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("operations:statement_export", args=[shop.binding_a.pk, fmt]), query)
        assert export.status_code == 302 and "Content-Disposition" not in export
        assert export["Location"].startswith(reverse("operations:statement", args=[shop.binding_a.pk]) + "?")


def test_a_statement_to_today_downloads(client, op_a, shop):
    client.force_login(op_a)

    export = client.get(
        reverse("operations:statement_export", args=[shop.binding_a.pk, "csv"]), {"end": timezone.localdate().isoformat()}
    )

    assert export.status_code == 200 and shop.a1.number in export.content.decode("utf-8-sig")


# Invitations -----------------------------------------------------------------------------------


def test_answering_an_invitation_that_is_no_longer_open_says_so(client, owner, op_a):
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)
    client.force_login(op_a)
    url = reverse("operations:invitation_answer", args=[binding.pk, "agree"])

    assert client.post(url).status_code == 302
    again = client.post(url, follow=True)  # a second click, e.g. on a page left open
    assert again.status_code == 200 and "no longer open" in again.content.decode()

    withdrawn = services.binding_invite(actor=owner, tenant=owner.tenant, login=individual("runner_z").username)
    services.binding_withdraw(actor=owner, binding=withdrawn)
    client.force_login(withdrawn.account)
    response = client.post(reverse("operations:invitation_answer", args=[withdrawn.pk, "agree"]), follow=True)
    assert response.status_code == 200 and "no longer open" in response.content.decode()
    assert reload(withdrawn).status == OperationBinding.Status.WITHDRAWN


@pytest.mark.parametrize("who", ["owner", "plain_staff", "plain_staff_short"])
def test_inviting_an_account_of_ones_own_shop_explains_why_not(client, owner, plain_staff, who):
    login = {"owner": owner.username, "plain_staff": plain_staff.username, "plain_staff_short": "plain_staff"}[who]
    client.force_login(owner)

    response = client.post(reverse("operations:invite"), {"login": login})

    assert response.status_code == 200
    assert "is an account of your shop" in " ".join(field_errors(response, "login"))
    assert not OperationBinding.objects.exists()


def test_inviting_a_user_of_another_shop_reveals_nothing_of_it(client, owner, other_owner):
    client.force_login(owner)

    response = client.post(reverse("operations:invite"), {"login": other_owner.username})

    assert "No individual user has the user name" in " ".join(field_errors(response, "login"))


def test_replacing_an_account_that_is_not_active_is_not_offered(client, owner, op_a):
    binding = services.binding_invite(actor=owner, tenant=owner.tenant, login=op_a.username)
    client.force_login(owner)

    response = client.get(reverse("operations:replace", args=[binding.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("operations:account_detail", args=[binding.pk])
    assert "Only an active operation account can be replaced" in response.content.decode()
