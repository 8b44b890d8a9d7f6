"""Notebook kernels that cannot collide with each other: Unix sockets in a private folder.

Why papermill runs side by side fail with ``ZMQError: Address already in use``: jupyter_client
picks a kernel's five TCP ports in the *parent* process by binding port 0, reading the number
and closing the socket (``LocalPortCache.find_available_port``), writes them to the connection
file, and only about a second later the kernel process binds them. In between the ports are free
again: another process starting its own kernel at the same time (each process has its own
``LocalPortCache``, so they know nothing of each other) or any outgoing connection can get the
same number, and the kernel that binds second dies ("Kernel died before replying to
kernel_info"). See jupyter/jupyter_client#487 and nteract/papermill#511.

The fix at the root: no TCP ports at all. Every kernel talks to its notebook client over ZeroMQ
``ipc`` (Unix domain sockets) whose files live in a fresh folder made by ``mkdtemp`` for that
one kernel, so two kernels — in one process or in twenty — can never name the same endpoint.
The folder is removed when the notebook is done. On Windows (no ``ipc`` transport) the usual
TCP ports are used.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def ipc_supported() -> bool:
    """Whether ZeroMQ's ``ipc`` transport (Unix domain sockets) is available here."""
    return os.name == "posix"


@contextlib.contextmanager
def private_kernel() -> Iterator[dict]:
    """Keyword arguments for ``papermill.execute_notebook`` that start its kernel on Unix sockets
    in a folder of its own; the folder is deleted on exit.

    The folder's path is short (``/tmp/mopkit-k-XXXXXXXX/k-1``), well within the 107-byte limit
    of a Unix socket path.
    """
    if not ipc_supported():  # pragma: no cover - Windows keeps TCP ports
        yield {}
        return
    from traitlets.config import Config

    folder = Path(tempfile.mkdtemp(prefix="mopkit-k-"))
    try:
        # the client side (KernelManager) writes the connection file; the kernel reads transport
        # and socket paths from it. `ip` is the socket path prefix: sockets are k-1 … k-5.
        yield {"config": Config({"KernelManager": {
            "transport": "ipc",
            "connection_file": str(folder / "kernel.json"),
            "ip": str(folder / "k"),
        }})}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
