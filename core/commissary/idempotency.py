"""Idempotency keys for state-changing requests a client may retry.

The record is written in the same transaction as the change, keyed per tenant and user,
with a fingerprint of the request body: the same key and body replay the stored reply,
the same key with another body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from commissary.db import row_insert, scoped
from commissary.errors import Invalid
from commissary.jobs.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    return key


@dataclass(frozen=True)
class StoredReply:
    status_code: int
    response: dict[str, Any]


@cache
def _lookup_query() -> Select[IdempotencyRecord]:
    return scoped(
        select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == bindparam("tenant_id"),
            IdempotencyRecord.user_id == bindparam("user_id"),
            IdempotencyRecord.key == bindparam("key"),
        )
    )


def lookup(
    session: Session, tenant_id: int, user_id: int, key: str, print_: str
) -> StoredReply | None:
    record = session.scalar(
        _lookup_query(), {"tenant_id": tenant_id, "user_id": user_id, "key": key}
    )
    if record is None:
        return None
    if record.fingerprint != print_:
        raise Invalid("this Idempotency-Key was used with a different request body")
    return StoredReply(record.status_code, record.response)


def store(
    session: Session,
    tenant_id: int,
    user_id: int,
    key: str,
    print_: str,
    status_code: int,
    response: dict[str, Any],
) -> None:
    session.execute(
        row_insert(IdempotencyRecord),
        {
            "tenant_id": tenant_id,
            "user_id": user_id,
            "key": key,
            "fingerprint": print_,
            "status_code": status_code,
            "response": response,
        },
    )
