"""Campaigns, enrolled products, effect data and their object-permission tables (R-23 … R-31)."""

from .campaigns import RATE_VALIDATORS, Campaign, new_public_token  # noqa: F401
from .effects import (  # noqa: F401
    EffectByCampaign,
    EffectByCampaignContact,
    EffectByContact,
    EffectDaily,
    EffectRollupBase,
    EffectTotals,
    EffectWindow,
    EffectWindowState,
)
from .grants import (  # noqa: F401
    CampaignGroupObjectPermission,
    CampaignUserObjectPermission,
    ContactPersonGroupObjectPermission,
    ContactPersonUserObjectPermission,
)
from .products import EnrolledProduct  # noqa: F401
