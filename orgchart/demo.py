"""Demo org chart for ``seed_demo``: a 3-level tree, 5 positions and ~20 staff in every state."""

from accounts.models import User
from accounts.services import staff as staff_services

from . import services
from .models import Department, Position
from .permissions import (
    COMMISSION_ALERTS,
    CUSTOMER_CHAT,
    PUBLISH_CAMPAIGNS,
    REVIEW_ENROLLMENTS,
    VIEW_CAMPAIGNS,
    VIEW_EFFECT_DATA,
    catalogue_permissions,
)

TREE = {
    "运营部": {"华东组": ["一组", "二组"], "华南组": ["三组"]},
    "招商部": {"服饰招商": [], "美妆招商": ["直播组"]},
    "客服部": {"售前": [], "售后": []},
}

POSITIONS = [
    ("招商专员", "发布活动并审核报名商品", [VIEW_CAMPAIGNS, PUBLISH_CAMPAIGNS, REVIEW_ENROLLMENTS, COMMISSION_ALERTS]),
    ("招商主管", "管理招商团队与效果", [VIEW_CAMPAIGNS, PUBLISH_CAMPAIGNS, REVIEW_ENROLLMENTS, VIEW_EFFECT_DATA, COMMISSION_ALERTS]),
    ("运营", "查看活动与效果数据", [VIEW_CAMPAIGNS, VIEW_EFFECT_DATA]),
    ("审核员", "审核报名商品", [VIEW_CAMPAIGNS, REVIEW_ENROLLMENTS]),
    ("客服", "旺旺接待", [CUSTOMER_CHAT]),
]

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


def _ensure_tree(tenant, owner):
    by_path = {d.path: d for d in Department.objects.filter(tenant=tenant)}

    def ensure(path, name, parent):
        if path not in by_path:
            by_path[path] = services.department_create(actor=owner, tenant=tenant, name=name, parent=parent)
        return by_path[path]

    for top, middles in TREE.items():
        root = ensure(top, top, None)
        for middle, leaves in middles.items():
            mid = ensure(f"{top}/{middle}", middle, root)
            for leaf in leaves:
                ensure(f"{top}/{middle}/{leaf}", leaf, mid)
    return by_path


def _ensure_positions(tenant, owner):
    permissions = {p.codename: p for p in catalogue_permissions()}
    existing = {p.name: p for p in Position.objects.filter(tenant=tenant)}
    for name, description, codes in POSITIONS:
        if name not in existing:
            existing[name] = services.position_create(
                actor=owner,
                tenant=tenant,
                name=name,
                description=description,
                permissions=[permissions[c] for c in codes],
            )
    return existing


def _ensure_staff(tenant, owner, password, departments, positions):
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


def seed_org(*, tenant, owner, password):
    departments = _ensure_tree(tenant, owner)
    positions = _ensure_positions(tenant, owner)
    return _ensure_staff(tenant, owner, password, departments, positions)
