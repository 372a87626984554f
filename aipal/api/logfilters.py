"""Log a client's error in one line: no traceback for a 4xx.

Django logs every ``SuspiciousOperation`` (a bad ``Host``, too many fields, a body too
big) on ``django.security.<name>``, and a request body it cannot parse on
``django.request``, with the exception's traceback: a client's mistake, or a scanner
probing, would fill the log with stack traces of Django's request parsing. Those records
carry the response's ``status_code``; below 500 the message stays (the warning is still
visible) and the traceback goes. Server errors (5xx) keep theirs.

NOTE: attached to the handler (``LOGGING["handlers"]["console"]``), not to a logger: a
logger's filters do not see records of its children (``django.security.DisallowedHost``).
It strips the record itself, so handlers after it do not get the traceback either.
"""

from __future__ import annotations

import logging

__all__ = ["ClientErrorWithoutTraceback"]


class ClientErrorWithoutTraceback(logging.Filter):
    """Drop the traceback of a record logged for a 4xx response; keep the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
