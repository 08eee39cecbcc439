"""Demo org chart for ``seed_demo``: a 3-level tree and 5 positions."""


from . import services
from .models import Department, Position
from accounts.permissions import (
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


def seed_org(*, tenant, owner, password):
    """The demo tree and positions (idempotent); the staff in them come from ``staff.demo``."""
    _ensure_tree(tenant, owner)
    _ensure_positions(tenant, owner)
    return []
