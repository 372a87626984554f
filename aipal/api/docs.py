"""The API's documentation pages (Swagger UI at ``/api/docs/``, ReDoc at ``/api/redoc/``)
under a Content-Security-Policy that lets them reach this server only.

The bundles come from drf-spectacular-sidecar, served from ``/static/``; the policy makes
the browser refuse what they would still fetch from outside, such as the Redocly logo
ReDoc's footer loads from cdn.redoc.ly. It is sent by these two views only: the admin and
the browsable API keep their own pages' needs.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request

__all__ = ["DOCS_CSP", "DocsCSPMixin", "RedocView", "SwaggerView"]

# Every source is this origin; data: for the bundles' inline icons and fonts.
# NOTE: style-src needs 'unsafe-inline': the pages' own <style> blocks and the styles ReDoc
# (styled-components) and Swagger UI insert at run time. worker-src blob: is ReDoc's search,
# which runs in a worker built from a blob: URL (without it Chromium shows an error page).
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)


class DocsCSPMixin:
    """Send ``DOCS_CSP`` with every response of the view."""

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response["Content-Security-Policy"] = DOCS_CSP
        return response


class SwaggerView(DocsCSPMixin, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file (``?script``), not inline, so the
    policy needs no 'unsafe-inline' for scripts."""


class RedocView(DocsCSPMixin, SpectacularRedocView):
    """ReDoc (no settings, so the page has no inline script)."""
