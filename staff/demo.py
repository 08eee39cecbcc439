"""Demo staff for ``seed_demo``: about 20 accounts in every state, added and bound through the
same services as the pages (registered after the org chart's tree and positions)."""

from accounts.models import User
from accounts.services import staff as staff_services
from orgchart.forms import departments_with_paths
from orgchart.models import Position

# (account name, display name, department path, position, admin, final status)
STAFF = [
    ("zhangsan", "张三", "招商部", "招商主管", True, "active"),
    ("lisi", "李四", "招商部/服饰招商", "招商专员", False, "active"),
    ("wangwu", "王五", "招商部/服饰招商", "招商专员", False, "active"),
    ("zhaoliu", "赵六", "招商部/美妆招商", "招商专员", True, "active"),
    ("sunqi", "孙七", "招商部/美妆招商/直播组", "招商专员", False, "active"),
    ("zhouba", "周八", "招商部/美妆招商/直播组", "审核员", False, "active"),
    ("wujiu", "吴九", "运营部", "运营", True, "active"),
    ("zhengshi", "郑十", "运营部/华东组", "运营", True, "active"),
    ("chenyi", "陈一", "运营部/华东组/一组", "运营", False, "active"),
    ("chener", "陈二", "运营部/华东组/二组", "审核员", False, "active"),
    ("linsan", "林三", "运营部/华南组/三组", "运营", False, "active"),
    ("huangsi", "黄四", "客服部/售前", "客服", False, "active"),
    ("xuwu", "徐五", "客服部/售后", "客服", False, "active"),
    ("heliu", "何六", "运营部/华南组", "运营", False, "pending"),
    ("guoqi", "郭七", "招商部/服饰招商", "招商专员", False, "pending"),
    ("maba", "马八", "客服部/售前", "客服", False, "disabled"),
    ("luojiu", "罗九", "运营部/华东组/二组", "运营", False, "disabled"),
    ("gaoshi", "高十", "招商部/美妆招商", "招商专员", False, "resigned"),
    ("liangyi", "梁一", "运营部/华东组/一组", "运营", False, "resigned"),
    ("songer", "宋二", "客服部/售后", "客服", False, "active"),
]



def seed_staff(*, tenant, owner, password):
    """~20 demo staff in every state, placed in the org chart's demo tree (idempotent); returns
    the active ones' logins."""
    departments = {d.path: d for d in departments_with_paths(tenant)}
    positions = {p.name: p for p in Position.objects.filter(tenant=tenant)}
    logins = []
    existing = set(User.objects.filter(tenant=tenant, kind=User.Kind.STAFF).values_list("account_name", flat=True))
    for number, (account, display, path, position, admin, status) in enumerate(STAFF):
        if account not in existing:
            staff, link = staff_services.staff_add(
                actor=owner,
                tenant=tenant,
                display_name=display,
                account_name=account,
                mobile=f"139{number:08d}",
                department=departments[path],
                position=positions[position],
                is_department_admin=admin,
                confirm_no_sms=True,  # demo accounts are bound on the person's behalf, needing no SMS
            )
            if status != "pending":
                # Accept the invitation exactly as the employee would through the link.
                token = link.rstrip("/").rsplit("/", 1)[-1]
                staff_services.invitation_accept_on_behalf(token=token, password=password)
            if status == "disabled":
                staff_services.staff_disable(actor=owner, staff=staff)
            elif status == "resigned":
                staff_services.staff_offboard(actor=owner, staff=staff)
        if status == "active":
            logins.append((f"staff: {display} ({position}{', admin' if admin else ''})", f"{tenant.slug}:{account}", password))
    return logins
