"""Demo org chart for ``seed_demo``."""


def seed_org(*, tenant, owner, password):
    return []
