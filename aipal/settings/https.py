"""What ``DJANGO_HTTPS=true`` derives from other settings: the CSRF trusted origins.

Django's CSRF check accepts a form posted from the page's own origin once the request
is known to be HTTPS (``SECURE_PROXY_SSL_HEADER``); ``CSRF_TRUSTED_ORIGINS`` adds the
other origins a form may come from. Served over HTTPS, those are the host names the app
answers to (``DJANGO_ALLOWED_HOSTS``), each as ``https://<host>``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["HSTS_SECONDS", "trusted_origins"]

HSTS_SECONDS = 365 * 24 * 60 * 60  # a year: what hstspreload.org asks for


def trusted_origins(hosts: Iterable[str]) -> list[str]:
    """Return the ``https://`` origins of ``hosts`` (``ALLOWED_HOSTS`` patterns).

    ``example.com`` gives ``https://example.com``; ``.example.com`` (the domain and its
    subdomains) gives ``https://example.com`` and ``https://*.example.com``; a pattern
    with ``*`` in it (``*`` alone: any host) gives nothing, since trusting every origin
    would switch the check off.
    """
    origins: list[str] = []
    for host in hosts:
        host = host.strip().lower()
        if not host.strip(".") or "*" in host:
            continue
        found = [f"https://{host[1:]}", f"https://*{host}"] if host.startswith(".") else [f"https://{host}"]
        origins += [origin for origin in found if origin not in origins]
    return origins
