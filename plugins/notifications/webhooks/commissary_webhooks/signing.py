"""The signature receivers check: HMAC-SHA256 over ``"<timestamp>.<body>"``.

Headers: ``X-Commissary-Timestamp`` (Unix seconds) and ``X-Commissary-Signature:
sha256=<hex>``. Receivers recompute it with the endpoint's secret, compare in constant
time and refuse timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """What a receiver does (used in tests and documented for integrators)."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)
