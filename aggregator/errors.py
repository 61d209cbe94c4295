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
    "DownloadCancelledError": "download cancelled (response over the size limit)",
    "SSLError": "TLS error",
    "IgnoreRequest": "request ignored",
    "NoRouteError": "no route to host",
}


def describe_failure(failure) -> str:
    """`HTTP 503 for https://…`, `DNS lookup failed for icom.museum (https://…)`, …"""
    request = getattr(failure, "request", None)
    return describe_exception(failure.value, request.url if request is not None else "")


def describe_exception(exc: BaseException, url: str) -> str:
    """One short cause for a download exception, naming the host and the URL."""
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status} for {response.url}"
    name = type(exc).__name__
    if name == "IgnoreRequest" and str(exc):  # "Forbidden by robots.txt", "max redirections reached"...
        return f"{str(exc)[:200]}: {url}"
    cause = CAUSES.get(name)
    if cause is None:
        cause = next((text for key, text in CAUSES.items() if key in repr(exc)), f"{name}: {str(exc)[:120]}")
    return f"{cause} for {urlsplit(url).hostname or '?'} ({url})"
