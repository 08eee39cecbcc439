"""``{% topbar %}``: the top bar of ``base.html``, kept per user generation and language
(``accounts.layout``); ``{% dashboard_panels %}``: the dashboard's panels, kept per viewer and
data generation (``accounts.dashboard``)."""

from django import template

from accounts import dashboard, layout

register = template.Library()


@register.simple_tag(takes_context=True)
def topbar(context):
    return layout.topbar(context)


@register.simple_tag(takes_context=True)
def dashboard_panels(context):
    return dashboard.render_panels(context)
