"""Per-tenant settings of the e-mail channel: the tenant's SMTP server and sender."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from commissary import PluginSettings


class EmailSettings(PluginSettings):
    smtp_host: str = Field(default="localhost", min_length=1, max_length=253)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # "starttls" upgrades a plain connection (port 587), "tls" starts encrypted (port 465),
    # "none" only for a relay on the same host or in tests.
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = Field(default="", max_length=254)
    password: SecretStr | None = None
    from_address: str = Field(default="portal@localhost", min_length=3, max_length=254)
    from_name: str = Field(default="", max_length=200)
    reply_to: str = Field(default="", max_length=254)
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # One SMTP session carries the messages of a worker batch to this server; after this
    # many it is closed and a new one opened (many servers limit messages per session).
    messages_per_connection: int = Field(default=100, ge=1, le=10_000)

    @field_validator("from_address", "reply_to")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip()
        if value and ("@" not in value or any(c in value for c in " \r\n<>,")):
            raise ValueError("give a plain e-mail address such as portal@example.com")
        return value
