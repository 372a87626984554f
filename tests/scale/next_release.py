"""The app as the next release would run it, one whose responses changed shape: another
``SCHEMA_VERSION``. ``test_app_servers`` serves ``tests.scale.next_release:application``
next to servers of the current release, as a rolling deploy does.
"""

from aipal.cache import keys

# NOTE: set before the app serves anything: every key is built at call time.
keys.SCHEMA_VERSION = "v99"

from aipal.wsgi import application  # noqa: E402  (after the schema is set)

__all__ = ["application"]
