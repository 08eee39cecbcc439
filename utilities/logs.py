"""Log lines that a person's text cannot forge or colour (R-21).

Names, nicknames and paths reach log messages as arguments (``logger.info("… %s", name)``); the
formatter escapes what ``record.getMessage()`` returns, so an ANSI escape, a line break or a
text-direction override typed by someone is printed as ``\\x1b``, ``\\x0a`` or ``\\u202e`` on one
line. Tracebacks (``exc_info``) keep their line breaks.

The line of a server error ends with the reference its 500 page showed (``[reference 7F3A09C2]``,
set by ``utilities.errors.server_error`` on the request Django logs it with), so the reference a
merchant quotes finds its traceback.
"""

import logging

from .names import escape_for_log


class EscapingFormatter(logging.Formatter):
    """``logging.Formatter`` whose ``%(message)s`` has its control and direction characters escaped."""

    def formatMessage(self, record):
        original = record.message
        record.message = escape_for_log(original)
        reference = getattr(getattr(record, "request", None), "error_reference", None)
        if reference:
            record.message += f" [reference {reference}]"
        try:
            return super().formatMessage(record)
        finally:
            record.message = original
