"""Shared form fields read what a person types on a Chinese keyboard as the same value."""

import datetime

from campaigns.forms import CampaignForm
from utilities.forms import DateField


def test_a_date_in_full_width_digits_is_the_same_date():
    assert DateField().clean("２０２６－０７－０１") == datetime.date(2026, 7, 1)


def test_the_campaign_form_reads_full_width_dates(db):
    from tests.factories import OwnerFactory

    owner = OwnerFactory()
    form = CampaignForm(
        {"title": "双十一", "starts_on": "２０２６－１１－０１", "ends_on": "２０２６－１１－１１", "review_mode": "manual"},
        tenant=owner.tenant,
    )
    form.is_valid()
    assert "starts_on" not in form.errors and "ends_on" not in form.errors, form.errors
    assert form.cleaned_data["ends_on"] == datetime.date(2026, 11, 11)
