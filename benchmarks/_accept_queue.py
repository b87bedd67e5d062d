"""How many connections wait to be accepted by a local server, sampled during a load.

A load generator's connections are established by the kernel before the server accepts
them; a request sent on one that waits in the listen socket's accept queue counts in the
generator's latency though the server has not seen it. Linux tells the queue's length
of a listening socket as its receive queue, asked here of the kernel's socket
diagnostics (netlink `SOCK_DIAG`) for listening TCP sockets only; elsewhere there is
nothing to sample. /proc/net/tcp says the same but lists every socket: with the load's
thousands of connections each read cost about 24 ms, a fifth of a CPU at ten reads a
second, taken from the servers being measured.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Final

INTERVAL: Final = 0.1

_NETLINK_SOCK_DIAG: Final = 4
_SOCK_DIAG_BY_FAMILY: Final = 20
_NLM_F_REQUEST_DUMP: Final = 0x1 | 0x300
_NLMSG_DONE, _NLMSG_ERROR = 3, 2
_TCP_LISTEN: Final = 10
_HEADER: Final = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, pid
# inet_diag_req_v2: family, protocol, extensions, pad, states, then a zeroed socket id.
_REQUEST: Final = struct.Struct("=BBBBI48x")
# inet_diag_msg: family, state, timer, retransmits; the socket id (source port first,
# big-endian); expires, receive queue, send queue, uid, inode.
_MESSAGE: Final = struct.Struct("=BBBB2s46xIIIII")


def _listening(family: int = socket.AF_INET) -> dict[int, int]:
    """Port -> accept queue length of every listening TCP socket of `family`."""
    request = _REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 1 << _TCP_LISTEN)
    header = _HEADER.pack(
        _HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST_DUMP, 1, 0
    )
    queues: dict[int, int] = {}
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as diag:
        diag.sendto(header + request, (0, 0))
        while data := diag.recv(65536):
            offset = 0
            while offset + _HEADER.size <= len(data):
                length, kind = _HEADER.unpack_from(data, offset)[:2]
                if kind in (_NLMSG_DONE, _NLMSG_ERROR) or length < _HEADER.size:
                    return queues
                if kind == _SOCK_DIAG_BY_FAMILY and length - _HEADER.size >= _MESSAGE.size:
                    fields = _MESSAGE.unpack_from(data, offset + _HEADER.size)
                    queues[int.from_bytes(fields[4], "big")] = fields[6]
                offset += (length + 3) & ~3
    return queues


def waiting(port: int) -> int:
    """Connections in the accept queue of the socket listening on `port` (IPv4), or 0."""
    try:
        return _listening().get(port, 0)
    except (OSError, AttributeError):  # no netlink here (AttributeError: no AF_NETLINK)
        return 0


@contextmanager
def sampled(port: int) -> Iterator[list[tuple[float, int]]]:
    """(monotonic time, the accept queue's length) about every `INTERVAL` s while the block runs."""
    samples: list[tuple[float, int]] = [(time.monotonic(), waiting(port))]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(INTERVAL):
            samples.append((time.monotonic(), waiting(port)))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


def summary(samples: list[tuple[float, int]]) -> str:
    """Peak and how long the queue was not empty (from each sample to the next)."""
    if len(samples) < 2:
        return "not sampled"
    busy = sum(later[0] - earlier[0] for earlier, later in pairwise(samples) if earlier[1])
    whole = samples[-1][0] - samples[0][0]
    peak = max(n for _, n in samples)
    return f"peak {peak}, not empty for {busy:.1f} s of {whole:.1f} s"
