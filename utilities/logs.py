"""Log lines that a person's text cannot forge or colour (R-21).

Names, nicknames and paths reach log messages as arguments (``logger.info("… %s", name)``); the
formatter escapes what ``record.getMessage()`` returns, so an ANSI escape, a line break or a
text-direction override typed by someone is printed as ``\\x1b``, ``\\x0a`` or ``\\u202e`` on one
line. Tracebacks (``exc_info``) keep their line breaks.
"""

import logging

from .names import escape_for_log


class EscapingFormatter(logging.Formatter):
    """``logging.Formatter`` whose ``%(message)s`` has its control and direction characters escaped."""

    def formatMessage(self, record):
        original = record.message
        record.message = escape_for_log(original)
        try:
            return super().formatMessage(record)
        finally:
            record.message = original
