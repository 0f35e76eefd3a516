"""Rate limits per endpoint (ScopedRateThrottle scopes "search" and "suggest" in
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])."""

import logging

from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class FailOpenScopedRateThrottle(ScopedRateThrottle):
    """Throttle history lives in the cache (Redis in production). If the cache is down,
    searching matters more than rate limiting: let the request through and log it."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # any cache failure, whatever the cache backend
            logger.warning("rate-limit cache unavailable; request not throttled", exc_info=True)
            return True
