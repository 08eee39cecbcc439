"""Per-row links built once per page (issue 27): ``reverse`` costs about 0.1 ms a call, and a
list of 200 rows called it 200 times for the same pattern."""

from django.urls import reverse

_SENTINEL = 987654321


def link_to(name):
    """A function ``pk -> str``: the path of URL pattern ``name`` for that integer ``pk``, as
    ``reverse(name, args=[pk])`` gives it. Raises ``NoReverseMatch`` at once for an unknown name."""
    pattern = reverse(name, args=[_SENTINEL]).replace("%", "%%").replace(str(_SENTINEL), "%d")
    return pattern.__mod__
