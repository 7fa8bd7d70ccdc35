"""The page's Content-Security-Policy nonce, wherever the site's CSP support keeps it.

chatgate's pages and tags put it on their ``<script>`` elements, so they run under a
policy such as ``script-src 'self' 'nonce-…'`` with no ``'unsafe-inline'``.
"""

from __future__ import annotations


def nonce(request, context=None) -> str:
    """The nonce, or "" when the site uses no nonce-based CSP.

    In order: the template's ``csp_nonce`` (Django's ``csp`` context processor),
    the request's nonce from Django's ``ContentSecurityPolicyMiddleware`` (a site
    with the middleware but not the context processor), django-csp's
    ``request.csp_nonce``. Django's ``LazyNonce`` is falsy until first read, so test
    for ``None``: reading it here is what makes the middleware put it in the header.
    """
    value = context.get("csp_nonce") if context is not None else None
    if value is None and request is not None:
        value = _django_nonce(request)
    if value is None:
        value = getattr(request, "csp_nonce", None)
    return str(value) if value is not None else ""


def _django_nonce(request):
    try:
        from django.middleware.csp import get_nonce  # Django 6.0+
    except ImportError:
        return None
    return get_nonce(request)
