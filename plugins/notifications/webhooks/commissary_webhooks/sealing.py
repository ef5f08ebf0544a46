"""Signing secrets are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256).

Signing needs the secret in clear, so it cannot be hashed; it is encrypted with a key
derived (HKDF-SHA256) from the deployment's ``COMMISSARY_SECRET_KEY``. A database dump
alone does not reveal the secrets.

**Key rotation.** Set the new ``COMMISSARY_SECRET_KEY`` and list the previous one(s) in
``COMMISSARY_WEBHOOKS_OLD_SECRET_KEYS`` (a JSON list). Secrets sealed with an old key are
still read (``MultiFernet``), and the ``webhook_secret_rekey`` job (hourly, and
:func:`rekey_all`) re-encrypts them with the new key; once it ran, drop the old keys.

Without ``COMMISSARY_SECRET_KEY`` (a development server) the key is generated once into
``<COMMISSARY_DATA_DIR>/webhook-secrets.key`` so that restarts keep reading the secrets.
Production sets ``COMMISSARY_SECRET_KEY``, the same in every web and worker process.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from commissary import get_settings

OLD_KEYS_ENV = "COMMISSARY_WEBHOOKS_OLD_SECRET_KEYS"
KEY_FILE = "webhook-secrets.key"
_INFO = b"commissary webhooks: signing secrets at rest"


class Unreadable(Exception):
    """A stored secret was sealed with a key this deployment does not have."""


def _fernet_key(material: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        material.encode()
    )
    return base64.urlsafe_b64encode(derived)


def _key_file(folder: Path) -> str:
    """The generated development key, created once (whoever creates it first wins)."""
    path = folder / KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(Fernet.generate_key().decode())
    return path.read_text().strip()


def key_materials() -> list[str]:
    """The current key first, then the old ones still accepted for reading."""
    settings = get_settings()
    if "secret_key" in settings.model_fields_set:
        current = settings.secret_key
    else:
        current = _key_file(settings.data_dir)
    raw = os.environ.get(OLD_KEYS_ENV, "").strip()
    try:
        old = [str(k) for k in json.loads(raw)] if raw else []
    except ValueError as exc:
        raise ValueError(f"{OLD_KEYS_ENV} is not a JSON list of keys: {exc}") from exc
    return [current, *[k for k in old if k and k != current]]


@functools.cache
def _cipher(materials: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(m)) for m in materials])


def cipher() -> MultiFernet:
    return _cipher(tuple(key_materials()))


def seal(secret: str) -> str:
    """The secret encrypted with the current key (a Fernet token, ASCII)."""
    return cipher().encrypt(secret.encode()).decode()


def unseal(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable(
            "the signing secret cannot be decrypted: COMMISSARY_SECRET_KEY changed? "
            f"list the previous key in {OLD_KEYS_ENV}"
        ) from exc


def is_current(token: str) -> bool:
    """Sealed with the current key (no re-encryption needed)."""
    try:
        Fernet(_fernet_key(key_materials()[0])).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rekey(token: str) -> str:
    """The same secret sealed with the current key (Unreadable if no key opens it)."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable("no configured key decrypts this secret") from exc
