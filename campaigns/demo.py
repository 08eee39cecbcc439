"""Demo campaigns for ``seed_demo``."""


def seed_campaigns(*, tenant, owner, password):
    return []
