"""Demo customer-chat distribution for ``seed_demo`` (order 60), made through the services.

Two groups: 售前 (pre-sales) with 黄四 and the temporary 临时客服小周, 售后 (after-sales) with
徐五 and the muted 宋二, who is a member but never receives a conversation until verified. A few
conversations are started as buyers start them; 黄四 and 徐五 are set online for that moment only,
so the demo begins with everyone away (presence expires anyway without an open workbench).
"""

from django.db import transaction

from accounts.models import User
from accounts.services import staff as staff_services
from accounts import permissions as catalogue
from accounts.permissions import catalogue_permissions

from . import services
from .models import ChatGroup, ChatMember, Conversation, Presence

GROUPS = [
    ("售前", "商品、优惠与下单咨询", ["huangsi", "kefu_zhou"]),
    ("售后", "物流、退换货与售后问题", ["xuwu", "songer"]),
]

CONVERSATIONS = [
    ("售前", "爱吃坚果的猫", "你好，每日坚果礼盒还有货吗？双11能便宜点吗？"),
    ("售前", "小鹿乱撞", "请问这款连衣裙M码适合多高的人穿？"),
    ("售后", "快递等等我", "我的包裹三天没更新物流了，能帮忙查一下吗？"),
    ("售后", "退货小能手", "收到的杯子有裂痕，怎么申请换货？"),
]


def grant_chat_right(owner, person):
    """Give ``person`` the ``customer_chat`` right as a supplementary permission (audited)."""
    if person.has_perm(catalogue.perm(catalogue.CUSTOMER_CHAT)):
        return
    extra = list(person.user_permissions.all()) + list(catalogue_permissions().filter(codename=catalogue.CUSTOMER_CHAT))
    staff_services.staff_update(
        actor=owner,
        staff=person,
        display_name=person.display_name,
        mobile=person.mobile,
        department=person.department,
        position=person.position,
        is_department_admin=person.is_department_admin,
        supplementary_permissions=extra,
    )


def seed_chat(*, tenant, owner, password):
    """Groups, members and a few conversations (idempotent); return the lines to print."""
    people = {u.account_name: u for u in User.objects.filter(tenant=tenant, kind=User.Kind.STAFF)}
    for name, description, members in GROUPS:
        group = ChatGroup.objects.filter(tenant=tenant, name=name).first()
        if group is None:
            group = services.group_create(actor=owner, name=name, description=description)
        for account in members:
            person = people.get(account)
            if person is None or ChatMember.objects.filter(group=group, user=person).exists():
                continue
            grant_chat_right(owner, person)
            services.member_add(actor=owner, group=group, user=User.objects.get(pk=person.pk))
    if not Conversation.objects.filter(tenant=tenant).exists():
        groups = {g.name: g for g in ChatGroup.objects.filter(tenant=tenant)}
        serving = [p for key in ("huangsi", "xuwu") if (p := people.get(key)) is not None]
        for person in serving:
            services.presence_set(actor=User.objects.get(pk=person.pk), status=Presence.Status.ONLINE)
        for group_name, nickname, body in CONVERSATIONS:
            if group_name in groups:
                services.conversation_start(group=groups[group_name], nickname=nickname, body=body, ip="127.0.0.1")
        with transaction.atomic():
            for person in serving:
                services.presence_set(actor=User.objects.get(pk=person.pk), status=Presence.Status.BUSY)
    lines = [("buyer chat page (no login)", f"/chat/s/{tenant.slug}/", "")]
    for account, role in [
        ("huangsi", "customer service, 售前"),
        ("xuwu", "customer service, 售后"),
        ("songer", "customer service, 售后, muted: receives nothing"),
    ]:
        if account in people:
            lines.append((f"staff: {role}", people[account].username, password))
    return lines
