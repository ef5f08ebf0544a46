"""The messages of one worker batch share one SMTP session per server: fewer handshakes,
and nothing lost when the server drops the session in the middle of the batch."""

from __future__ import annotations

import asyncio
import smtplib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from commissary.testing import Shop
from commissary_email.sender import POOL
from tests.notifications.conftest import email_settings
from tests.notifications.peers import SmtpSink, start_smtp
from tests.notifications.test_delivery import drain
from tests.notifications.test_worker import queue


class SessionSink(SmtpSink):
    """Counts SMTP sessions (connections) and QUITs; ``drop_after`` closes the connection
    right after accepting that many messages (as a server with a session limit or a
    restart would); ``refuse_ids`` answers 550 to those messages."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[Any] = []
        self.per_session: Counter[int] = Counter()
        self.quits = 0
        self.drop_after: int | None = None
        self.refuse_ids: set[str] = set()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if not any(s is session for s in self.sessions):
            self.sessions.append(session)
        session.host_name = hostname
        return responses

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.quits += 1
        return "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if any(f"<{m}.".encode() in envelope.content for m in self.refuse_ids):
            return "550 mailbox unavailable"
        answer = await super().handle_DATA(server, session, envelope)
        index = next(i for i, s in enumerate(self.sessions) if s is session)
        self.per_session[index] += 1
        if self.drop_after is not None and len(self.messages) == self.drop_after:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return answer


@pytest.fixture
def sink() -> Iterator[SessionSink]:
    sink = SessionSink()
    controller = start_smtp(sink)
    sink.port = int(controller.port)  # type: ignore[attr-defined]
    yield sink
    controller.stop()


@pytest.fixture
def mailing(portal: Any, sink: SessionSink) -> Shop:
    return portal.tenant(
        "acme",
        plugins={"email": email_settings("127.0.0.1", sink.port)},  # type: ignore[attr-defined]
    )


def ids(sink: SessionSink) -> Counter[str]:
    return Counter(str(r.message["Message-ID"]) for r in sink.messages)


def test_a_batch_uses_one_connection_and_closes_it(mailing: Shop, sink: SessionSink) -> None:
    queue(mailing, 25)
    assert drain(mailing) == 25
    assert len(sink.messages) == 25
    assert len(sink.sessions) == 1  # one connection, one EHLO, 25 messages
    assert sink.quits == 1  # closed politely at the end of the batch
    assert set(ids(sink).values()) == {1}
    # The next batch opens a new session (none is kept between batches).
    queue(mailing, 3)
    assert drain(mailing) == 3
    assert len(sink.sessions) == 2 and sink.quits == 2


def test_a_connection_dropped_mid_batch_loses_nothing(mailing: Shop, sink: SessionSink) -> None:
    sink.drop_after = 10
    queue(mailing, 30)
    assert drain(mailing) == 30
    counts = ids(sink)
    assert len(counts) == 30 and set(counts.values()) == {1}  # all there, none twice
    assert len(sink.sessions) == 2  # reconnected once
    assert [sink.per_session[0], sink.per_session[1]] == [10, 20]


def test_a_refused_message_is_retried_alone_and_the_session_goes_on(
    mailing: Shop, sink: SessionSink
) -> None:
    sink.refuse_ids = {"msg003"}
    queue(mailing, 8)
    assert drain(mailing) == 7  # msg003 is waiting for its retry
    assert len(sink.messages) == 7
    assert len(sink.sessions) == 1  # RSET after the refusal, same session for the rest


def test_a_session_limit_opens_a_new_connection(portal: Any, sink: SessionSink) -> None:
    settings = email_settings("127.0.0.1", sink.port)  # type: ignore[attr-defined]
    shop = portal.tenant("acme", plugins={"email": {**settings, "messages_per_connection": 4}})
    queue(shop, 10)
    assert drain(shop) == 10
    assert [sink.per_session[i] for i in range(len(sink.sessions))] == [4, 4, 2]


def test_a_server_that_is_down_fails_the_batch_without_hanging(portal: Any) -> None:
    from tests.notifications.peers import free_port

    shop = portal.tenant("acme", plugins={"email": email_settings("127.0.0.1", free_port())})
    queue(shop, 3)
    assert drain(shop) == 0  # refused connections: every message waits for a retry
    with pytest.raises((smtplib.SMTPException, OSError)):
        from commissary_email.sender import ConnectionPool, build
        from commissary_email.settings import EmailSettings

        s = EmailSettings(**email_settings("127.0.0.1", free_port()))  # type: ignore[arg-type]
        ConnectionPool().send(
            s, build(s, {"email": "a@b.test", "subject": "x", "text": "y", "id": "z"}, "acme")
        )
    assert POOL._idle == {}  # nothing broken was kept
