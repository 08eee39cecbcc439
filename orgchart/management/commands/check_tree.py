"""Verify every tenant's department tree; exit non-zero on damage (django-mptt can be corrupted
by concurrent writes, STYLE 5)."""

from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from orgchart.models import MAX_DEPTH, Department


def tree_problems():
    """Return a list of human-readable problems across all tenants' trees (empty when sound)."""
    problems = []
    nodes = list(
        Department.objects.order_by("tree_id", "lft").values(
            "pk", "tenant_id", "parent_id", "tree_id", "lft", "rght", "level", "name"
        )
    )
    by_id = {n["pk"]: n for n in nodes}
    trees = defaultdict(list)
    for node in nodes:
        trees[node["tree_id"]].append(node)
    for tree_id, members in trees.items():
        roots = [n for n in members if n["parent_id"] is None]
        if len(roots) != 1:
            problems.append(f"tree {tree_id}: {len(roots)} roots")
        tenants = {n["tenant_id"] for n in members}
        if len(tenants) != 1:
            problems.append(f"tree {tree_id}: mixes tenants {sorted(tenants)}")
        bounds = sorted(b for n in members for b in (n["lft"], n["rght"]))
        if bounds != list(range(1, 2 * len(members) + 1)):
            problems.append(f"tree {tree_id}: lft/rght are not 1..{2 * len(members)} without gaps")
        for node in members:
            if node["lft"] >= node["rght"]:
                problems.append(f"department {node['pk']}: lft {node['lft']} >= rght {node['rght']}")
            if node["level"] >= MAX_DEPTH:
                problems.append(f"department {node['pk']}: level {node['level']} is deeper than {MAX_DEPTH} levels")
            parent = by_id.get(node["parent_id"])
            if node["parent_id"] is None:
                if node["level"] != 0:
                    problems.append(f"department {node['pk']}: root at level {node['level']}")
                continue
            if parent is None:
                problems.append(f"department {node['pk']}: parent {node['parent_id']} missing")
                continue
            if parent["tree_id"] != tree_id:
                problems.append(f"department {node['pk']}: parent in another tree")
            if parent["tenant_id"] != node["tenant_id"]:
                problems.append(f"department {node['pk']}: parent belongs to another tenant")
            if node["level"] != parent["level"] + 1:
                problems.append(f"department {node['pk']}: level {node['level']} under level {parent['level']}")
            if not (parent["lft"] < node["lft"] and node["rght"] < parent["rght"]):
                problems.append(f"department {node['pk']}: not nested inside its parent")
    return problems


class Command(BaseCommand):
    help = "Check every tenant's department tree for mptt damage; exits 1 when any is found."

    def handle(self, *args, **options):
        problems = tree_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problems found in department trees.")
        self.stdout.write(self.style.SUCCESS(f"{Department.objects.count()} departments checked: all trees are sound."))
