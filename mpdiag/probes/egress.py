"""Probes of the way out: path MTU and TLS from the instance, the image servers and the
proxy the daemon really reads (per platform), and the launch's DHCP capture.

Time bounds: ping_df 1 s per size (-W 1); tls_handshake `timeout {seconds}` (the check
gives 5 s); find: the daemon's own download timeout (10 s) is longer than the probe
timeout, so a stalled image server shows as a probe timeout.
"""

from __future__ import annotations

import os
from typing import Any

from mpdiag.errors import ProbeError
from mpdiag.multipass import CLI
from mpdiag.parse.proxy import NO_DAEMON, proxies_of
from mpdiag.probes import ALL_PLATFORMS, Probe, ProbeContext, register
from mpdiag.parse.dhcp_pcap import parse_capture
from mpdiag.parse.images import parse_find
from mpdiag.parse.pmtu import parse_df_ping
from mpdiag.parse.proxy import parse_env_lines, parse_launchd_plist, parse_snap_proxy
from mpdiag.parse.tls import parse_s_client
from mpdiag.parse.unavailable import Absent
from mpdiag.probes.common import parse_json
from mpdiag.runner import CommandResult

# The handshake's own bound (`timeout` in the instance), the https check's and the prefetch's: a
# TCP SYN retried once (1 s) plus a TLS 1.3 handshake over a slow link. A string: a bundle param
# is a string or an integer, never a float.
TLS_HANDSHAKE_S = "2.5"
LAUNCHD_PLIST = "/Library/LaunchDaemons/com.canonical.multipassd.plist"
WINDOWS_ENV_KEY = r"HKLM:\System\CurrentControlSet\Control\Session Manager\Environment"
_MASK = r"sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#'"


def _capture_command(ctx: ProbeContext) -> list[str]:
    raise ProbeError("dhcp_capture is taken by the --launch fixture while the instance boots, "
                     "not as an ordinary probe")


def no_capture(res: CommandResult) -> Absent | None:
    """Nothing was captured (tcpdump or pktmon wrote no file): why, as the capture said it."""
    if res.stdout:
        return None
    return Absent(res.error_text or f"tcpdump exited {res.rc} without writing one")


def _shell_proxy_env(ctx: ProbeContext) -> dict[str, Any]:
    """The proxy variables of the doctor's own environment: the user's shell."""
    return proxies_of(dict(os.environ))


register(
    # --- in the instance ---------------------------------------------------------------------
    Probe("ping_df", ALL_PLATFORMS, parse_df_ping,
          ("sh", "-c", 'exec ping -n -M do -s "$0" -c 1 -W 1 "$1" 2>&1', "{size}", "{target}"),
          instance=True, data_rcs=frozenset({0, 1}),
          description="one don't-fragment ping of a given payload size"),
    Probe("tls_handshake", ALL_PLATFORMS, parse_s_client,
          ("sh", "-c", 'exec timeout "$0" openssl s_client -state -connect "$1:$2" -servername "$1" '
                       '</dev/null 2>&1', "{seconds}", "{host}", "{port}"),
          instance=True, data_rcs=frozenset({0, 1, 124}),
          description="a TLS handshake with an HTTPS server (chain, verification, how far it got)"),
    # --- on the host -----------------------------------------------------------------------------
    Probe("multipass_find", ALL_PLATFORMS, parse_find, (CLI, "find", "--format", "json"), cli=True,
          description="the images the daemon lists from its image servers"),
    Probe("shell_proxy_env", ALL_PLATFORMS, parse_json, call=_shell_proxy_env,
          description="proxy variables of the user's shell (the doctor's environment; passwords masked)"),
    Probe("snap_proxy", frozenset({"linux"}), parse_snap_proxy,
          ("sh", "-c", f"snap get -d multipass proxy 2>&1 | {_MASK}; exit 0"),
          description="the snap's proxy.http / proxy.https (what launch-multipassd exports)"),
    Probe("multipassd_environ", frozenset({"linux"}), parse_env_lines,
          ("sh", "-c", f'pid=$(pidof -s multipassd) || exec echo "{NO_DAEMON}"; '
                       f'tr "\\000" "\\n" < /proc/$pid/environ | grep -E "^[A-Za-z_]*_proxy=|^[A-Z_]*_PROXY=" '
                       f'| {_MASK}; exit 0'),
          privileged=True, description="the proxy variables of the running multipassd (/proc/<pid>/environ)"),
    Probe("etc_environment", frozenset({"linux"}), parse_env_lines,
          ("sh", "-c", f"cat /etc/environment 2>/dev/null | {_MASK}; exit 0"),
          description="/etc/environment's proxy variables (which never reach the snap's daemon)"),
    Probe("launchd_proxy", frozenset({"macos"}), parse_launchd_plist,
          ("cat", LAUNCHD_PLIST), description="multipassd's launchd plist (its EnvironmentVariables)"),
    Probe("machine_proxy_env", frozenset({"windows"}), parse_env_lines,
          ("powershell", "-NoProfile", "-NonInteractive", "-Command",
           # braces as PowerShell reads them: render_argv fills only `{param}` of the params given
           f"(Get-Item '{WINDOWS_ENV_KEY}').Property | Where-Object {{ $_ -match 'proxy' }} | "
           f"ForEach-Object {{ \"$_=$((Get-ItemProperty '{WINDOWS_ENV_KEY}').$_)\" }}"),
          description="the machine-level environment's proxy variables (what the Multipass service reads)"),
    Probe("dhcp_capture", ALL_PLATFORMS, parse_capture, _capture_command,
          shows="tcpdump --immediate-mode -i <bridge> -n -U -s 1500 -c 64 -w <tmp> 'udp and (port 67 or port 68)'; "
                "Windows: pktmon start --capture --comp nics --pkt-size 1500 --file-name <tmp>.etl --file-size 4 "
                "(filters UDP 67, 68), pktmon stop, pktmon etl2pcap  (--launch only)",
          privileged=True, readers=(no_capture,), description="the DHCP exchange on the bridge while the launched instance boots "
                                       "(Windows: as Administrator)"),
)
