"""Path converters shared by the apps' URL configurations."""

from django.urls import register_converter

class TableFormatConverter:
    """``csv`` or ``xlsx``: the formats every download comes in; anything else is 404."""

    regex = "csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


# Registered once, when the first URL configuration imports this module.
register_converter(TableFormatConverter, "table_format")
