"""The operation-account pages: who reaches which (the persona × URL matrix of issue 12), what each
list, count, search and export shows, and that lists cost the same queries however many rows."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from operations import services
from operations.models import OperationBinding, TaskOrder

from tests.personas import reload
from tests.factories import OwnerFactory, TenantFactory
from tests.personas import individual, task_for

pytestmark = pytest.mark.django_db

PERSONAS = ("op_a", "op_b", "owner", "ops_manager", "plain_staff", "other_owner")


@pytest.fixture
def people(op_a, op_b, owner, ops_manager, plain_staff, other_owner):
    return dict(zip(PERSONAS, (op_a, op_b, owner, ops_manager, plain_staff, other_owner)))


def _expect(default, **codes):
    return {name: codes.get(name, default) for name in PERSONAS}


SHOP_PAGE = _expect(403, owner=200, ops_manager=200, other_owner=200, op_a=404, op_b=404)
SHOP_OBJECT = _expect(404, owner=200, ops_manager=200, plain_staff=403)
A_OWN = _expect(404, op_a=200)

# (url name, args from the shop fixture, method, expected status per persona). Object pages answer
# 404 to whoever cannot see the object (STYLE 2); a page without an object answers 403 to a role
# that never reaches it, and 404 to an individual on the shop's side (no back office exists for it).
MATRIX = [
    ("operations:account_list", lambda s: [], "get", SHOP_PAGE),
    ("operations:invite", lambda s: [], "get", SHOP_PAGE),
    ("operations:task_list", lambda s: [], "get", SHOP_PAGE),
    ("operations:task_add", lambda s: [], "get", SHOP_PAGE),
    ("operations:order_list", lambda s: [], "get", SHOP_PAGE),
    ("operations:account_detail", lambda s: [s.binding_a.pk], "get", SHOP_OBJECT),
    ("operations:replace", lambda s: [s.binding_a.pk], "get", SHOP_OBJECT),
    ("operations:task_edit", lambda s: [s.task.pk], "get", SHOP_OBJECT),
    # Refused for everyone who reaches it: A still has an open order (409), it is no pending invitation (302 + message).
    ("operations:unbind", lambda s: [s.binding_a.pk], "post", _expect(404, owner=409, ops_manager=409, plain_staff=403)),
    ("operations:withdraw", lambda s: [s.binding_a.pk], "post", _expect(404, owner=302, ops_manager=302, plain_staff=403)),
    ("operations:statement", lambda s: [s.binding_a.pk], "get", _expect(404, owner=200, ops_manager=200, op_a=200, plain_staff=403)),
    ("operations:statement_export", lambda s: [s.binding_a.pk, "csv"], "get", _expect(404, owner=200, ops_manager=200, op_a=200, plain_staff=403)),
    ("operations:statement_export", lambda s: [s.binding_a.pk, "xlsx"], "get", _expect(404, owner=200, ops_manager=200, op_a=200, plain_staff=403)),
    # The shop may only cancel (403 for another step); op_a moves its order on (302), last.
    ("operations:order_action", lambda s: [s.a1.pk, "start"], "post", _expect(404, owner=403, ops_manager=403, plain_staff=403, op_a=302)),
    ("operations:my_shops", lambda s: [], "get", _expect(403, op_a=200, op_b=200)),
    ("operations:work", lambda s: [s.binding_a.pk], "get", A_OWN),
    ("operations:work_orders", lambda s: [s.binding_a.pk], "get", A_OWN),
    ("operations:order_place", lambda s: [s.binding_a.pk], "get", A_OWN),
    ("operations:invitation_answer", lambda s: [s.invitation_a.pk, "decline"], "post", A_OWN | {"op_a": 302}),
]


@pytest.mark.parametrize("name,args,method,expected", MATRIX, ids=[f"{row[0]}-{row[2]}-{i}" for i, row in enumerate(MATRIX)])
def test_every_persona_reaches_exactly_the_expected_pages(client, people, shop, other_owner, op_a, name, args, method, expected):
    # op_a's invitation: from a third shop, so op_a's globex binding stays as it is.
    from tests.factories import OwnerFactory, TenantFactory

    third = OwnerFactory(tenant=TenantFactory(slug="initech", name="Initech"), username="initech_owner")
    shop.invitation_a = services.binding_invite(actor=third, tenant=third.tenant, login=op_a.username)
    url = reverse(name, args=args(shop))
    # The persona that changes something goes last, so every other one sees the same state.
    order = sorted(PERSONAS, key=lambda p: expected[p] == 302 and name in {"operations:order_action", "operations:invitation_answer"})
    answered = {}
    for persona in order:
        client.force_login(people[persona])
        answered[persona] = getattr(client, method)(url).status_code
    assert answered == expected


def test_the_operation_account_reaches_nothing_of_the_back_office(client, op_a, plain_staff, shop):
    client.force_login(op_a)
    back_office = [
        reverse("orgchart:tree"),
        reverse("orgchart:positions"),
        reverse("staff:list"),
        reverse("staff:resigned"),
        reverse("staff:add"),
        reverse("staff:detail", args=[plain_staff.pk]),
        reverse("accounts:audit_log"),
        reverse("accounts:audit_log_export"),
        reverse("accounts:dingtalk"),
        reverse("accounts:deliveries"),
        reverse("accounts:verification"),
        reverse("campaigns:list"),
        reverse("campaigns:official"),
        reverse("campaigns:products"),
        reverse("campaigns:report"),
        reverse("campaigns:report_export", args=["csv"]),
        reverse("operations:account_list"),
        reverse("operations:order_list"),
    ]
    for url in back_office:
        assert client.get(url).status_code == 404, url

    page = client.get(reverse("accounts:dashboard"))

    assert page.status_code == 200
    menu = [str(item["label"]) for section in page.context["menu"] for item in section["items"]]
    assert menu == ["Dashboard", "Inbox", "My shops", "My sessions", "Change password", "Two-factor authentication"]
    body = page.content.decode()
    assert "Org chart" not in body and "Audit log" not in body and "Campaigns" not in body
    assert 'data-testid="panel-operation-shops"' in body


def test_menus_follow_the_right(client, owner, ops_manager, plain_staff):
    def labels(user):
        client.force_login(user)
        page = client.get(reverse("accounts:dashboard"))
        return [str(item["label"]) for section in page.context["menu"] for item in section["items"]]

    for user in (owner, ops_manager):
        assert {"Operation accounts", "Tasks", "Task orders"} <= set(labels(user))
    assert not {"Operation accounts", "Tasks", "Task orders", "My shops"} & set(labels(plain_staff))


def test_an_individual_signs_up_and_lands_on_its_dashboard(client):
    response = client.post(
        reverse("accounts:signup_individual"),
        {"username": "Runner_New", "display_name": "新运营", "email": "n@example.com", "password1": "Strong-pass-2026", "password2": "Strong-pass-2026"},
    )

    assert response.status_code == 302 and response.url == reverse("accounts:dashboard")
    person = User.objects.get(username="Runner_New")
    assert person.kind == User.Kind.INDIVIDUAL and person.tenant is None
    page = client.get(reverse("accounts:dashboard"))
    assert page.status_code == 200 and "Welcome, 新运营." in page.content.decode()


def test_individual_sign_up_refuses_bad_input_next_to_the_field(client, op_a):
    response = client.post(
        reverse("accounts:signup_individual"),
        {"username": "acme:x", "email": "bad", "password1": "Strong-pass-2026", "password2": "other"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "colon" in errors["username"][0] and "email" in errors and "password2" in errors
    response = client.post(
        reverse("accounts:signup_individual"),
        {"username": "RUNNER_A", "email": "a@example.com", "password1": "Strong-pass-2026", "password2": "Strong-pass-2026"},
    )
    assert "already taken" in response.context["form"].errors["username"][0]
    assert User.objects.filter(kind=User.Kind.INDIVIDUAL).count() == 1


def test_an_invitation_shows_in_the_inbox_and_on_the_page_and_is_agreed(client, owner, op_a):
    client.force_login(owner)
    response = client.post(reverse("operations:invite"), {"login": "runner_a"})
    assert response.status_code == 302
    binding = OperationBinding.objects.get(account=op_a)

    client.force_login(op_a)
    inbox = client.get(reverse("accounts:inbox")).content.decode()
    assert "Acme Shop invites you to be its operation account" in inbox
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="panel-operation-invitations"' in dashboard and "Acme Shop" in dashboard
    response = client.post(reverse("operations:invitation_answer", args=[binding.pk, "agree"]))

    assert response.status_code == 302 and response.url == reverse("operations:work", args=[binding.pk])
    assert reload(binding).status == OperationBinding.Status.ACTIVE
    assert client.get(reverse("operations:work", args=[binding.pk])).status_code == 200


def test_inviting_someone_unknown_says_so_next_to_the_field(client, owner):
    client.force_login(owner)

    response = client.post(reverse("operations:invite"), {"login": "ghost"})

    assert response.status_code == 200
    assert "No individual user has the user name ghost" in response.context["form"].errors["login"][0]
    assert not OperationBinding.objects.exists()


def test_the_unbind_refusal_lists_the_open_orders(client, owner, shop):
    client.force_login(owner)

    response = client.post(reverse("operations:unbind", args=[shop.binding_a.pk]))

    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="unbind-refusal"' in body and f'data-number="{shop.a1.number}"' in body
    assert f'data-number="{shop.a2.number}"' not in body.split('data-testid="unbind-refusal"')[1].split("</div>")[0]
    assert reload(shop.binding_a).is_active


def test_replace_through_the_page(client, owner, shop):
    individual("runner_c")
    services.order_move(actor=owner, order=shop.a1, status=TaskOrder.Status.CANCELLED)
    client.force_login(owner)

    response = client.post(reverse("operations:replace", args=[shop.binding_a.pk]), {"login": "runner_c"})

    new = OperationBinding.objects.get(account__username="runner_c")
    assert response.status_code == 302 and response.url == reverse("operations:account_detail", args=[new.pk])
    assert reload(shop.binding_a).status == OperationBinding.Status.UNBOUND


def test_each_side_sees_only_its_orders_in_lists_counts_and_search(client, owner, ops_manager, op_a, other_owner, shop):
    client.force_login(owner)
    page = client.get(reverse("operations:order_list")).content.decode()
    assert all(o.number in page for o in (shop.a1, shop.a2, shop.b1)) and shop.g1.number not in page
    assert "3 orders" in page
    filtered = client.get(reverse("operations:order_list"), {"account": op_a.pk}).content.decode()
    assert shop.a1.number in filtered and shop.b1.number not in filtered and "2 orders" in filtered
    by_state = client.get(reverse("operations:order_list"), {"status": "confirmed"}).content.decode()
    assert shop.a2.number in by_state and shop.a1.number not in by_state
    bad_date = client.get(reverse("operations:order_list"), {"date_from": "not-a-date"})
    assert bad_date.status_code == 200 and "3 orders" in bad_date.content.decode()

    client.force_login(op_a)
    mine = client.get(reverse("operations:work_orders", args=[shop.binding_a.pk])).content.decode()
    assert shop.a1.number in mine and shop.a2.number in mine and "2 orders" in mine
    assert shop.b1.number not in mine and shop.g1.number not in mine
    searched = client.get(reverse("operations:work_orders", args=[shop.binding_a.pk]), {"q": shop.b1.number}).content.decode()
    assert "0 orders" in searched and f'data-number="{shop.b1.number}"' not in searched
    at_globex = client.get(reverse("operations:work_orders", args=[shop.globex_binding.pk])).content.decode()
    assert shop.g1.number in at_globex and shop.a1.number not in at_globex and "1 order" in at_globex

    client.force_login(other_owner)
    theirs = client.get(reverse("operations:order_list")).content.decode()
    assert shop.g1.number in theirs and shop.a1.number not in theirs and shop.b1.number not in theirs


def test_statements_download_as_csv_and_xlsx_with_totals_and_no_formulas(client, owner, op_a, shop):
    services.task_update(actor=owner, task=shop.task, title="=HYPERLINK(\"http://evil\")")
    client.force_login(op_a)

    response = client.get(reverse("operations:statement_export", args=[shop.binding_a.pk, "csv"]))

    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff") and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(raw[1:])))
    numbers = [row[0] for row in rows[1:] if row and row[0].isdigit()]
    assert numbers == [shop.a1.number, shop.a2.number]
    assert all(row[1].startswith("'=") for row in rows[1:3])
    assert ["Total (without cancelled orders)", "", "", "", "", "1600.00"] in rows
    assert ["Of which confirmed", "", "", "", "", "800.00"] in rows

    response = client.get(reverse("operations:statement_export", args=[shop.binding_a.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[0] for row in values[1:3]] == [shop.a1.number, shop.a2.number]
    assert values[1][1].startswith("'=")
    total = next(row for row in values if row[0] == "Total (without cancelled orders)")
    assert total[5] == 1600 and shop.b1.number not in str(values)


def test_a_statement_before_the_cutoff_is_refused_next_to_the_field(client, owner, shop):
    client.force_login(owner)

    response = client.get(reverse("operations:statement", args=[shop.binding_a.pk]), {"start": "2019-06-30", "end": "2019-01-01"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "2019-07-01" in errors["start"][0] and "before the start" in errors["end"][0]
    assert response.context["statement"]["count"] == 2  # the whole period meanwhile


def test_the_shop_cancels_an_order_from_its_page(client, ops_manager, shop):
    client.force_login(ops_manager)

    response = client.post(reverse("operations:order_action", args=[shop.a1.pk, "cancel"]))

    assert response.status_code == 302 and reload(shop.a1).status == TaskOrder.Status.CANCELLED
    assert client.post(reverse("operations:order_action", args=[shop.a1.pk, "fly"])).status_code == 404


def test_placing_an_order_through_the_page(client, op_a, shop):
    client.force_login(op_a)

    response = client.post(reverse("operations:order_place", args=[shop.binding_a.pk]), {"task": shop.task.pk, "amount": "-1"})
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    response = client.post(reverse("operations:order_place", args=[shop.binding_a.pk]), {"task": shop.globex_task.pk})
    assert response.status_code == 200 and "task" in response.context["form"].errors
    response = client.post(reverse("operations:order_place", args=[shop.binding_a.pk]), {"task": shop.task.pk})

    assert response.status_code == 302
    assert TaskOrder.objects.filter(binding=shop.binding_a).count() == 3


def test_after_unbinding_the_former_account_sees_nothing_of_the_shop(client, owner, op_a, shop):
    services.order_move(actor=owner, order=shop.a1, status=TaskOrder.Status.CANCELLED)
    services.binding_unbind(actor=owner, binding=shop.binding_a)
    client.force_login(op_a)

    for url in (
        reverse("operations:work", args=[shop.binding_a.pk]),
        reverse("operations:work_orders", args=[shop.binding_a.pk]),
        reverse("operations:statement", args=[shop.binding_a.pk]),
        reverse("operations:statement_export", args=[shop.binding_a.pk, "csv"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("operations:order_action", args=[shop.a2.pk, "cancel"])).status_code == 404
    shops = client.get(reverse("operations:my_shops")).content.decode()
    assert "Globex" in shops and "Acme Shop" not in shops


def _grow(owner, binding, count):
    task = task_for(owner, title="Bulk")
    for _ in range(count):
        services.order_place(actor=binding.account, binding=binding, task=task, amount=Decimal("1.00"))


@pytest.mark.parametrize(
    "persona,url_of,limit",
    [
        ("owner", lambda s: reverse("operations:order_list"), 5),
        ("owner", lambda s: reverse("operations:account_list"), 4),
        ("owner", lambda s: reverse("operations:task_list"), 4),
        ("owner", lambda s: reverse("operations:account_detail", args=[s.binding_a.pk]), 6),
        ("owner", lambda s: reverse("operations:statement", args=[s.binding_a.pk]), 5),
        ("op_a", lambda s: reverse("operations:work_orders", args=[s.binding_a.pk]), 7),
        ("op_a", lambda s: reverse("operations:work", args=[s.binding_a.pk]), 7),
        ("op_a", lambda s: reverse("operations:my_shops"), 6),
        ("op_a", lambda s: reverse("accounts:dashboard"), 8),
        ("owner", lambda s: reverse("accounts:dashboard"), 13),
    ],
)
def test_lists_cost_the_same_queries_however_many_rows(client, people, owner, shop, persona, url_of, limit, django_assert_max_num_queries):
    client.force_login(people[persona])
    url = url_of(shop)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
    _grow(owner, shop.binding_a, 20)
    for n in range(5):
        task_for(owner, title=f"More {n}")
        extra = individual(f"extra{n}")
        services.binding_invite(actor=owner, tenant=owner.tenant, login=extra.username)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_a_long_statement_is_paged_while_its_totals_and_export_cover_every_order(client, owner, op_a, shop):
    from operations.views import STATEMENT_PAGE_SIZE

    for _ in range(STATEMENT_PAGE_SIZE + 3):
        services.order_place(actor=op_a, binding=shop.binding_a, task=shop.task)
    total = STATEMENT_PAGE_SIZE + 5  # and A1, A2 of the shop
    client.force_login(owner)
    url = reverse("operations:statement", args=[shop.binding_a.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert first.count("<tr><td>") == STATEMENT_PAGE_SIZE
    assert second.count("<tr><td>") == total - STATEMENT_PAGE_SIZE
    assert f"<strong>{total}</strong>" in first and 'rel="next"' in first
    export = client.get(reverse("operations:statement_export", args=[shop.binding_a.pk, "csv"]))
    assert export.content.decode("utf-8-sig").count("\n") >= total + 1


def test_my_shops_reads_invitations_and_shops_in_one_query_and_shows_only_the_viewers_open_ones(
    client, op_a, op_b, shop, django_assert_max_num_queries
):
    """``invitations_and_shops_of`` (issue 27) splits one read: a pending invitation is listed to
    answer, an active binding as a shop, and nothing withdrawn, unbound or addressed to someone else."""
    third = TenantFactory(slug="initech", name="Initech")
    third_owner = OwnerFactory(tenant=third, username="initech_owner")
    withdrawn = services.binding_invite(actor=third_owner, tenant=third, login=op_a.username)
    services.binding_withdraw(actor=third_owner, binding=withdrawn)
    pending = services.binding_invite(actor=third_owner, tenant=third, login=op_a.username)
    services.binding_invite(actor=third_owner, tenant=third, login=op_b.username)  # someone else's
    client.force_login(op_a)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("operations:my_shops"))

    assert [b.pk for b in response.context["invitations"]] == [pending.pk]
    assert [b.tenant.name for b in response.context["shops"]] == ["Acme Shop", "Globex"]


def test_the_task_area_writes_a_tasks_description_escaped_with_its_line_breaks(client, owner, op_a, shop):
    services.task_create(
        actor=owner,
        tenant=owner.tenant,
        title="Unboxing <video>",
        creator_name="小美",
        fee=Decimal("12.50"),
        deadline=shop.task.deadline,
        description="Film it <b>twice</b>\nthen post",
    )
    client.force_login(op_a)

    body = client.get(reverse("operations:work", args=[shop.binding_a.pk])).content.decode()

    assert "<td>Unboxing &lt;video&gt;<p class=\"muted\">Film it &lt;b&gt;twice&lt;/b&gt;<br>then post</p></td>" in body
    assert f'{reverse("operations:order_place", args=[shop.binding_a.pk])}?task=' in body
