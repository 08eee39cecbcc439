"""``{% topbar %}``: the top bar of ``base.html``, kept per user generation and language
(``accounts.layout``)."""

from django import template

from accounts import layout

register = template.Library()


@register.simple_tag(takes_context=True)
def topbar(context):
    return layout.topbar(context)
