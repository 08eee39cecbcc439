"""The Content-Security-Policy header on every response (django-csp; the policy is
``CONTENT_SECURITY_POLICY`` in ``config/settings.py``).

django-csp names a nonce in the header only on responses whose template read
``request.csp_nonce``. Ours names a fresh one on every response, so the policy reads the same on
every page (the admin's, the chat's fragments, an error page) and a template that needs an inline
``<script nonce="{{ request.csp_nonce }}">`` can have one without anything else changing.
"""

from csp.middleware import CSPMiddleware


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with a nonce made for every request (16 random bytes, base64)."""

    def process_request(self, request):
        super().process_request(request)
        str(request.csp_nonce)  # made now, so that the header always names it
