"""A bounded DHCP capture on the Multipass bridge while `multipass launch` runs (--launch).

tcpdump (root: directly, else `sudo -n`, never a prompt) writes at most MAX_PACKETS packets
of at most SNAPLEN bytes to a temp file; it starts before the launch (we wait for its
"listening on" line) and is stopped right after it, so the capture is bounded by the
launch's own timeout. The result is a CommandResult like any probe's: stdout is a JSON
record {interface, address, pcap (base64)}, so it goes into the bundle and replays.

The bridge: `mpqemubr0` (Linux QEMU) or a vmnet `bridgeN` with an IPv4 (macOS; vmnet makes
bridge100 with the first instance, so a host with none yet cannot be captured: said so).
Windows: pktmon on the Default Switch's adapter (mpdiag/capture_pktmon.py); its pcapng goes
into the same record.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any

from mpdiag import runner
from mpdiag.runner import CommandResult

MAX_PACKETS = 64
SNAPLEN = 1500
FILTER = "udp and (port 67 or port 68)"
READY_S = 3.0
SETTLE_S = 0.2
UNAVAILABLE_RC = 3  # no tool / no bridge: the record's stderr says which


def bridge_interface() -> tuple[str, str | None] | None:
    """(name, IPv4) of the Multipass bridge on this host, None when there is none yet."""
    import socket

    import psutil

    found: list[tuple[str, str | None]] = []
    for name, addrs in psutil.net_if_addrs().items():
        ipv4 = next((a.address for a in addrs if a.family == socket.AF_INET), None)
        if name == "mpqemubr0":
            return name, ipv4
        if name.startswith("bridge") and name[6:].isdigit() and ipv4:
            found.append((name, ipv4))
    return sorted(found)[0] if found else None


class DhcpCapture:
    """Start with :meth:`start`, stop with :meth:`stop` (always: it kills tcpdump)."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.proc: subprocess.Popen | None = None
        self.argv: tuple[str, ...] = ("tcpdump",)
        self.iface: tuple[str, str | None] | None = None
        self.path = ""
        self.started = time.monotonic()
        self.unavailable: str | None = None
        self.stderr = b""
        self.pktmon = None

    def start(self) -> "DhcpCapture":
        if self.platform == "windows":
            from mpdiag.capture_pktmon import PktmonCapture

            self.pktmon = PktmonCapture().start()
            return self
        if shutil.which("tcpdump") is None:
            self.unavailable = "tcpdump is not installed"
            return self
        self.iface = bridge_interface()
        if self.iface is None:
            self.unavailable = ("no Multipass bridge (mpqemubr0, or a vmnet bridgeN with an address) existed "
                                "before the launch, so there was nothing to capture on")
            return self
        fd, self.path = tempfile.mkstemp(prefix="mpdiag-dhcp-", suffix=".pcap")
        os.close(fd)
        # --immediate-mode: each packet reaches tcpdump at once (not a 1 s buffer block lost at the stop)
        argv = runner.privileged(["tcpdump", "--immediate-mode", "-i", self.iface[0], "-n", "-U", "-s", str(SNAPLEN),
                                  "-c", str(MAX_PACKETS), "-w", self.path, FILTER])
        self.argv = tuple(argv)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self._wait_listening()
        return self

    def _wait_listening(self) -> None:
        """Block until tcpdump says it listens (or exits, or READY_S passes)."""
        assert self.proc is not None and self.proc.stderr is not None
        got = threading.Event()
        chunks: list[bytes] = []

        def read() -> None:
            stream = self.proc.stderr  # type: ignore[union-attr]
            for line in iter(stream.readline, b""):
                chunks.append(line)
                if b"listening on" in line:
                    got.set()
            got.set()

        self._reader = threading.Thread(target=read, daemon=True, name="dhcp-capture-stderr")
        self._reader.start()
        got.wait(READY_S)
        self._chunks = chunks

    def stop(self) -> CommandResult:
        """Stop tcpdump and return the capture as a probe result."""
        took = time.monotonic() - self.started
        if self.pktmon is not None:
            return self.pktmon.stop()
        if self.unavailable or self.proc is None:
            return CommandResult(self.argv, UNAVAILABLE_RC, b"", (self.unavailable or "").encode(), took)
        if self.proc.poll() is None:
            time.sleep(SETTLE_S)  # the last reply may still be on its way to tcpdump
            self.proc.terminate()  # sudo relays it to tcpdump
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(2)
        err = b"".join(self._chunks)
        try:
            with open(self.path, "rb") as f:
                data = f.read(MAX_PACKETS * (SNAPLEN + 16) + 24)
        finally:
            try:
                os.unlink(self.path)
            except OSError:
                pass
        rc = self.proc.returncode
        if not data:
            return CommandResult(self.argv, rc if rc else 1, b"", err, took)
        record: dict[str, Any] = {"interface": self.iface[0] if self.iface else "", "address":
                                  self.iface[1] if self.iface else None,
                                  "pcap": base64.b64encode(data).decode("ascii")}
        # tcpdump stopped by us exits 0 (SIGTERM is its normal end); a capture with data is data
        return CommandResult(self.argv, 0, json.dumps(record).encode(), err, took)
