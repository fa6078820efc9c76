"""The launch's DHCP capture on Windows: pktmon (Windows 10 version 2004 and later), on the
Default Switch's host adapter, where ICS's DHCP server answers the instances.

    pktmon filter list                      (someone's filters present: left alone, no capture)
    pktmon filter add mpdiag-dhcp-67 -t UDP -p 67      (and -p 68)
    pktmon start --capture --comp nics --pkt-size 1500 --file-name <tmp>.etl --file-size 4
    ... multipass launch ...
    pktmon stop
    pktmon etl2pcap <tmp>.etl --out <tmp>.pcapng
    pktmon filter remove                    (only ours existed)

Bounded: each command has CMD_TIMEOUT_S, the log is circular within ETL_MB megabytes, the
pcapng is read up to READ_MAX bytes. Unavailable (the result says why, the check skips
with it): pktmon absent (older Windows), not elevated, no `vEthernet (Default Switch)`
with an IPv4, filters already set, `pktmon start` refused (a session already running is
never stopped by us). `pktmon filter list` prints one numbered row per filter; any such
row is someone else's. netsh trace is not used: its .etl has no converter that ships with
Windows 10.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from typing import Callable, Sequence

from mpdiag.runner import CommandResult

ETL_MB = 4
PKT_SIZE = 1500
CMD_TIMEOUT_S = 20.0
READ_MAX = 8 * 1024 * 1024
UNAVAILABLE_RC = 3
PORTS = (67, 68)
_FILTER_ROW = re.compile(r"^\s*\d+\s+\S", re.M)

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[bytes]"]


def _run(argv: Sequence[str]) -> "subprocess.CompletedProcess[bytes]":
    try:
        return subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, timeout=CMD_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(list(argv), -9, exc.stdout or b"",
                                           f"timed out after {CMD_TIMEOUT_S:.0f} s".encode())


def is_admin() -> bool:
    """An elevated (Administrator) process: pktmon refuses everything else."""
    if os.name != "nt":
        return hasattr(os, "geteuid") and os.geteuid() == 0
    import ctypes

    try:
        return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False


def default_switch() -> tuple[str, str | None] | None:
    """(name, IPv4) of the Default Switch's host adapter, `vEthernet (Default Switch)`."""
    import socket

    import psutil

    for name, addrs in psutil.net_if_addrs().items():
        if name.startswith("vEthernet (") and "Default Switch" in name:
            return name, next((a.address for a in addrs if a.family == socket.AF_INET), None)
    return None


def _said(cp: "subprocess.CompletedProcess[bytes]") -> str:
    text = (cp.stderr or b"").decode("utf-8", "replace").strip() or (cp.stdout or b"").decode("utf-8", "replace").strip()
    return " ".join(text.split())[:300] or f"exit {cp.returncode}"


class PktmonCapture:
    """start() before the launch, stop() after it (always); stop() returns the probe result."""

    def __init__(self, tool: str | None = None, admin: bool | None = None,
                 iface: tuple[str, str | None] | None | bool = True, run: Run = _run) -> None:
        self.tool = tool if tool is not None else (shutil.which("pktmon") or "")
        self.admin = is_admin() if admin is None else admin
        self.iface = default_switch() if iface is True else iface or None
        self.run = run
        self.argv: tuple[str, ...] = ("pktmon", "start", "--capture")
        self.unavailable: str | None = None
        self.started = time.monotonic()
        self.filters_added = False
        self.dir = ""
        self.errors: list[str] = []

    def start(self) -> "PktmonCapture":
        if not self.tool:
            self.unavailable = "pktmon is not on this Windows (it comes with Windows 10 version 2004 and later)"
            return self
        if not self.admin:
            self.unavailable = "pktmon needs an elevated shell: run the doctor as Administrator to capture DHCP"
            return self
        if self.iface is None or not self.iface[1]:
            self.unavailable = ("no `vEthernet (Default Switch)` adapter with an IPv4 existed before the launch, so "
                                "there was nothing to capture on")
            return self
        listed = self.run([self.tool, "filter", "list"])
        if listed.returncode != 0:
            self.unavailable = f"`pktmon filter list` failed: {_said(listed)}"
            return self
        if _FILTER_ROW.search(listed.stdout.decode("utf-8", "replace")):
            self.unavailable = "pktmon already has packet filters (someone's own capture): left alone, no capture"
            return self
        self.filters_added = True
        for port in PORTS:
            cp = self.run([self.tool, "filter", "add", f"mpdiag-dhcp-{port}", "-t", "UDP", "-p", str(port)])
            if cp.returncode != 0:
                self._remove_filters()
                self.unavailable = f"`pktmon filter add -p {port}` failed: {_said(cp)}"
                return self
        self.dir = tempfile.mkdtemp(prefix="mpdiag-pktmon-")
        self.argv = (self.tool, "start", "--capture", "--comp", "nics", "--pkt-size", str(PKT_SIZE),
                     "--file-name", os.path.join(self.dir, "dhcp.etl"), "--file-size", str(ETL_MB))
        cp = self.run(self.argv)
        if cp.returncode != 0:  # e.g. a session already running: it is not ours to stop
            self._remove_filters()
            self._cleanup()
            self.unavailable = f"`pktmon start` failed: {_said(cp)}"
        return self

    def _remove_filters(self) -> None:
        if self.filters_added:
            cp = self.run([self.tool, "filter", "remove"])
            if cp.returncode != 0:
                self.errors.append(f"`pktmon filter remove` failed: {_said(cp)}")
            self.filters_added = False

    def _cleanup(self) -> None:
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""

    def stop(self) -> CommandResult:
        took = time.monotonic() - self.started
        if self.unavailable:
            return CommandResult(self.argv, UNAVAILABLE_RC, b"", self.unavailable.encode(), took)
        try:
            stopped = self.run([self.tool, "stop"])
            if stopped.returncode != 0:
                self.errors.append(f"`pktmon stop` failed: {_said(stopped)}")
            etl, pcapng = os.path.join(self.dir, "dhcp.etl"), os.path.join(self.dir, "dhcp.pcapng")
            conv = self.run([self.tool, "etl2pcap", etl, "--out", pcapng])
            if conv.returncode != 0:
                self.errors.append(f"`pktmon etl2pcap` failed: {_said(conv)}")
            self._remove_filters()
            data = b""
            if os.path.isfile(pcapng):
                with open(pcapng, "rb") as f:
                    data = f.read(READ_MAX)
        finally:
            self._remove_filters()
            self._cleanup()
        err = "\n".join(self.errors).encode()
        if not data:
            return CommandResult(self.argv, 1, b"", err or b"pktmon wrote no capture", took)
        assert self.iface is not None
        record = {"interface": self.iface[0], "address": self.iface[1], "pcap": base64.b64encode(data).decode("ascii")}
        return CommandResult(self.argv, 0, json.dumps(record).encode(), err, took)
