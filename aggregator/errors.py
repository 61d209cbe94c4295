"""Turn download failures into one short, human cause naming the URL (for logs, run records and exit lines)."""
from __future__ import annotations

from urllib.parse import urlsplit

CAUSES = {
    "DNSLookupError": "DNS lookup failed",
    "CannotResolveHostError": "DNS lookup failed",
    "ConnectionRefusedError": "connection refused",
    "DownloadConnectionRefusedError": "connection refused",
    "TCPTimedOutError": "connection timed out",
    "TimeoutError": "timed out",
    "DownloadTimeoutError": "timed out",
    "ConnectionLost": "connection lost",
    "ResponseNeverReceived": "no response (connection reset)",
    "DownloadFailedError": "download failed (connection reset)",
    "ResponseDataLossError": "truncated response",
    "SSLError": "TLS error",
    "IgnoreRequest": "request ignored",
    "NoRouteError": "no route to host",
}


def describe_failure(failure) -> str:
    """`HTTP 503 for https://…`, `DNS lookup failed for icom.museum (https://…)`, …"""
    exc = failure.value
    request = getattr(failure, "request", None)
    url = request.url if request is not None else ""
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status} for {response.url}"
    name = type(exc).__name__
    cause = CAUSES.get(name)
    if cause is None:
        for key, text in CAUSES.items():
            if key in repr(exc):
                cause = text
                break
    host = urlsplit(url).hostname or "?"
    if cause is None:
        cause = f"{name}: {str(exc)[:120]}"
    return f"{cause} for {host} ({url})"
