"""A store that fans a model's requests out to threads makes the model's client first, in
the wiring thread (chalicelib/storage/sessions.py, connect_here): the threads then share a
client made from the wiring's session (shared parsed models, its handlers), not one made
from a worker thread's own ``get_session()``. No request is sent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pynamodb.connection import Connection

from chalicelib.storage.sessions import adopt, connect_here, new_session


def client_in_a_worker_thread(connection: Connection) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: connection.client).result()


@pytest.mark.usefixtures("aws_credentials")
def test_threads_share_the_client_made_here_from_the_wiring_session() -> None:
    connection, session = Connection(region="us-east-1"), new_session()
    adopt(connection, session)
    connect_here(connection)
    client = client_in_a_worker_thread(connection)
    assert client is connection.client
    assert client._loader is session.get_component("data_loader"), "the shared loader"


@pytest.mark.usefixtures("aws_credentials")
def test_without_it_a_worker_thread_makes_the_client_from_another_session() -> None:
    connection, session = Connection(region="us-east-1"), new_session()
    adopt(connection, session)
    client = client_in_a_worker_thread(connection)
    assert client._loader is not session.get_component("data_loader")
