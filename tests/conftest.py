"""Shared fixtures: a real ``khasan-server`` process on a free loopback port, and a real Redis."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.server_process import ROOT, RedisProcess, ServerProcess, free_port

__all__ = ["ROOT", "RedisProcess", "ServerProcess", "free_port"]


@pytest.fixture
def server() -> Iterator[ServerProcess]:
    srv = ServerProcess()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server_url(server: ServerProcess) -> str:
    return server.url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis: ``KHASAN_TEST_REDIS_URL`` if given, else one started for this session."""
    given = os.environ.get("KHASAN_TEST_REDIS_URL")
    if given:
        yield given
        return
    try:
        proc = RedisProcess()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    try:
        yield proc.url
    finally:
        proc.stop()
