"""Valid made-up resident ID numbers and shortcuts shared by the identity tests."""

from accounts.models.identity import id_check_character


def valid_id(n=1, birth="19900307", region="110105"):
    """An ID number that passes GB 11643 (region, birth date, sequence ``n``, check character)."""
    first17 = f"{region}{birth}{n:03d}"
    return first17 + id_check_character(first17)


def with_check(first17):
    return first17 + id_check_character(first17)


def wrong_check(number):
    """``number`` with a check character that cannot be right."""
    right = number[-1]
    return number[:-1] + ("0" if right != "0" else "1")
