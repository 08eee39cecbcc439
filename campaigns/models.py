"""Campaigns, enrolled products and effect data."""
