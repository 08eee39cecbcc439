"""Customer-chat personas (R-36) on top of the org chart of ``tests.personas``.

Tenant ``acme``::

    Sales                 sales_admin (admin)
    ├── East              east_admin (admin), agent_a, agent_b, muted_agent
    │   └── East One      agent_c
    └── West              …
    Ops                   temp_agent (temporary, window open), late_agent (temporary, window closed)

Every agent holds ``customer_chat`` through the position ``Customer service`` and is verified,
except ``muted_agent`` (never verified: muted, R-17). Group ``Pre-sales`` holds all of them.
Tenant ``globex`` has ``globex_agent`` in its own group ``Globex desk``.
"""

import datetime
import os
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User
from chat import services
from chat.models import Presence
from orgchart.services import position_create
from tests.personas import *  # noqa: F401,F403  (org chart personas as fixtures)
from tests.personas import catalogue, hire


@pytest.fixture(autouse=True)
def _own_doorbell_channels(settings):
    """Rings of this test run stay on channels no other process listens to."""
    settings.CHAT_CHANNEL_PREFIX = f"test-chat-{os.getpid()}:"


def verified(user):
    User.objects.filter(pk=user.pk).update(identity_status=User.IdentityStatus.VERIFIED)
    return User.objects.get(pk=user.pk)


def temporary(user, *, open_now=True):
    now = timezone.now()
    if open_now:
        window = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))
    else:
        window = (now - datetime.timedelta(days=3), now - datetime.timedelta(days=1))
    User.objects.filter(pk=user.pk).update(temporary_starts_at=window[0], temporary_ends_at=window[1])
    return User.objects.get(pk=user.pk)


def online(*people):
    for person in people:
        services.presence_set(actor=person, status=Presence.Status.ONLINE)


def away(*people):
    for person in people:
        services.presence_set(actor=person, status=Presence.Status.AWAY)


def start(group, nickname="buyer", body="Hello?", ip=None):
    return services.conversation_start(group=group, nickname=nickname, body=body, ip=ip)


@pytest.fixture
def chat_position(owner):
    return position_create(
        actor=owner, tenant=owner.tenant, name="Customer service", permissions=catalogue("customer_chat")
    )


@pytest.fixture
def desk(owner, org, chat_position, sales_admin, east_admin):
    """Agents, the muted and the temporary ones, and the group ``Pre-sales`` holding them all."""
    agent_a = verified(hire(owner, "agent_a", org.east, chat_position))
    agent_b = verified(hire(owner, "agent_b", org.east, chat_position))
    agent_c = verified(hire(owner, "agent_c", org.east_one, chat_position))
    muted_agent = hire(owner, "muted_agent", org.east, chat_position)
    temp_agent = temporary(hire(owner, "temp_agent", org.ops, chat_position))
    late_agent = temporary(hire(owner, "late_agent", org.ops, chat_position), open_now=False)
    presale = services.group_create(actor=owner, name="Pre-sales")
    aftersale = services.group_create(actor=owner, name="After-sales")
    people = [agent_a, agent_b, agent_c, muted_agent, temp_agent, late_agent]
    for person in people:
        services.member_add(actor=owner, group=presale, user=person)
    return SimpleNamespace(
        owner=owner,
        presale=presale,
        aftersale=aftersale,
        agent_a=agent_a,
        agent_b=agent_b,
        agent_c=agent_c,
        muted_agent=muted_agent,
        temp_agent=temp_agent,
        late_agent=late_agent,
        sales_admin=sales_admin,
        east_admin=east_admin,
    )


@pytest.fixture
def globex_desk(other_owner, other_org):
    position = position_create(
        actor=other_owner, tenant=other_owner.tenant, name="Globex CS", permissions=catalogue("customer_chat")
    )
    agent = verified(hire(other_owner, "globex_agent", other_org.hq, position))
    group = services.group_create(actor=other_owner, name="Globex desk")
    services.member_add(actor=other_owner, group=group, user=agent)
    online(agent)
    conversation = start(group, nickname="globex buyer", body="Globex secret question")
    return SimpleNamespace(owner=other_owner, agent=agent, group=group, conversation=conversation)
