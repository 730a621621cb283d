"""Local processes for the tooling: free ports, stopping a child, SIGTERM as an interrupt.

Shared by ``make dev`` (scripts/dev.py), DynamoDB Local (scripts/dynamodb_local.py) and the
tests' live server (tests/integration/live_server.py). Tooling only: nothing in
``chalicelib`` may import this module.
"""

from __future__ import annotations

import signal
import socket
import subprocess
from types import FrameType

STOP_TIMEOUT = 10.0  # seconds a child has to exit after SIGTERM before it is killed


def port_is_free(port: int) -> bool:
    """Whether nothing listens on ``port`` (on any interface)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR ignores sockets in TIME_WAIT but still fails on a live listener.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port the OS considers free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def stop_process(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """Terminate ``process`` if it still runs, killing it if it has not exited in ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def interrupt_on_sigterm() -> None:
    """Make SIGTERM raise ``KeyboardInterrupt``, so ``finally`` blocks stop child processes."""

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)
