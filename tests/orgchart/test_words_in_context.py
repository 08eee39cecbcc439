"""Issue 26 item 3: a short word that means different things in different places has a context, so
each place reads the word the merchant uses there."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Delivery, User
from chat.models import Conversation
from operations.models import OperationBinding


def test_each_pending_and_active_reads_as_its_page_means_it():
    with translation.override("zh-hans"):
        assert str(OperationBinding.Status.PENDING.label) == "待确认"  # as the seed says, waiting for the person
        assert str(Delivery.Status.PENDING.label) == "待发送"  # a message not sent yet
        assert str(OperationBinding.Status.ACTIVE.label) == "已绑定"
        assert str(User.Status.ACTIVE.label) == "正常"
        assert str(Conversation.Status.OPEN.label) == "进行中"  # not the link button's 查看


@pytest.mark.django_db
def test_the_positions_head_count_is_not_the_menus_staff(owner_client, org):
    owner_client.cookies["django_language"] = "zh-hans"

    page = owner_client.get(reverse("orgchart:positions")).content.decode()

    assert '<th class="num">员工数</th>' in page
    assert "R-21" not in page
