"""The WSGI fast path: a cached GET answered from Redis before Django runs.

See ``app.FastPath``. ``routes`` finds the cached views in the URLconf, ``envelope``
spells the headers the full stack would add, ``metrics`` counts fast-path requests in
the same request metrics as every other request.
"""

from aipal.fastpath.app import FastPath

__all__ = ["FastPath"]
