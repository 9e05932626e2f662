"""Shared fixtures: small plans and a scripted OpenAI-compatible server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ombud.redteam import Attempt, ProbeInfo, Turn
from ombud.redteam.testing import ChatServer, Reply, Responder


def make_attempts(count: int, detectors: tuple[str, ...] = ("refusal",)) -> list[Attempt]:
    return [
        Attempt(
            probe="test.probe",
            index=i,
            turns=(Turn("user", f"prompt number {i}"),),
            category="test",
            family="test",
            detectors=detectors,
        )
        for i in range(count)
    ]


TEST_INFO = ProbeInfo("test.probe", "goal", "test", "test", "low", ("refusal",))


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[ChatServer] = []

    def start(responder: Responder, *, blocking: bool = False) -> ChatServer:
        server = ChatServer(responder, blocking=blocking).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def refusing(request: object, number: int) -> Reply:
    return Reply(text="I'm sorry, but I can't help with that.")
