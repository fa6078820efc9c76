"""Probes run inside an instance through `multipass exec` (recorded under instances/<name>/),
plus the host-side probes the instance checks need (the launch, arping from the bridge).

Time bounds (so a black-holed network fails fast, never near --probe-timeout):
pings 50 ms apart (:data:`FAST_PING`: an unprivileged ping allows 2 ms since iputils
20210202, Ubuntu 22.04 on; an older one refuses anything under 200 ms, and then runs at 0.2 s);
ping exits on its last reply, so an answering host costs the packets' spacing only:
ping_gateway 3 packets, -W 3 when nothing answers (long enough for a failed ARP to come back
as "Destination Host Unreachable"); ping_external 8 packets (the loss check's 20 %
threshold is 2 of them), -W 1 per reply; dig 2 s (one try); resolve_name: glibc told
`timeout:1 attempts:2` (one A query: `getent ahostsv4`; 2 s to give up, an answer takes ms);
arping 2 s (done at the first reply on Linux); shell_session 80 % of the probe timeout.
"""

from __future__ import annotations

from typing import Any, Callable

from mpdiag.errors import ProbeError
from mpdiag.instances import launch_argv, parse_shell_session, shell_session
from mpdiag.probes import ALL_PLATFORMS, Probe, ProbeContext, ProbeSession, register
from mpdiag.parse.dig import parse_dig
from mpdiag.parse.iproute import parse_ip_addr, parse_ip_route
from mpdiag.parse.iputils import parse_arping, parse_ping
from mpdiag.parse.resolver import parse_getent_hosts, parse_resolv_conf
from mpdiag.parse.text import decode


def _i(name: str, parse: Callable[[str], Any], argv: tuple[str, ...], description: str, rcs=frozenset({0})) -> Probe:
    return Probe(name, ALL_PLATFORMS, parse, argv, instance=True, data_rcs=rcs, description=description)


PING_RCS = frozenset({0, 1})  # 1: no reply (or fewer than asked); still data
DIG_RCS = frozenset({0, 9, 10})  # 9: no reply from server; 10: setup failed (network unreachable)
GETENT_RCS = frozenset({0, 2})  # 2: the name did not resolve
ARPING_RCS = frozenset({0, 1})  # 1: no reply

# `ping -c COUNT -W WAIT IP` at 50 ms; where ping refuses that interval ("cannot flood; minimal
# interval allowed for user is 200ms", iputils before 20210202), again at 0.2 s. Only stderr is
# captured (fd 3 carries stdout through), so the output is ping's own.
FAST_PING = ('{ err=$(ping -n -c "$1" -i 0.05 -W "$2" "$3" 2>&1 >&3 3>&-); rc=$?; } 3>&1; '
             'case $err in *"cannot flood"*) exec ping -n -c "$1" -i 0.2 -W "$2" "$3";; esac; '
             '[ -z "$err" ] || printf "%s\\n" "$err" >&2; exit "$rc"')

# Root inside the instance: `multipass exec` runs as ubuntu (sudo -n), the lab runs as root.
AS_ROOT = 'if [ "$(id -u)" -eq 0 ]; then exec "$@"; fi; exec sudo -n "$@"'


def _launch_command(ctx: ProbeContext) -> list[str]:
    """`multipass launch` of the session's own instance (`--launch`: its name is a session input)."""
    inputs = ctx.session.inputs
    if inputs.launch is None:
        raise ProbeError("multipass_launch runs only with --launch (this session launches nothing)")
    return launch_argv(inputs.launch, inputs.launch_timeout, inputs.image)


def _launch_budget(session: ProbeSession) -> float:
    """The client's own `--timeout` bounds the launch; ours adds a margin."""
    return session.inputs.launch_timeout + 30


INSTANCE_PROBES = (
    _i("ip_addr", parse_ip_addr, ("ip", "-j", "-4", "addr"), "the instance's IPv4 addresses"),
    _i("ip_route", parse_ip_route, ("ip", "-j", "route"), "the instance's routes"),
    _i("ping_gateway", parse_ping, ("sh", "-c", FAST_PING, "ping", "3", "3", "{ip}"),
       "ping the gateway", PING_RCS),
    _i("ping_external", parse_ping,
       ("sh", "-c", FAST_PING, "ping", "8", "1", "{ip}"),
       "ping an external IP (8 packets: loss is measured, not guessed)", PING_RCS),
    _i("dig_gateway", parse_dig, ("dig", "+time=2", "+tries=1", "@{server}", "{name}"),
       "ask the gateway's DNS", DIG_RCS),
    _i("dig_external", parse_dig, ("dig", "+time=2", "+tries=1", "@{server}", "{name}"),
       "ask an external DNS server", DIG_RCS),
    _i("resolv_conf", parse_resolv_conf, ("cat", "/etc/resolv.conf"), "the resolver config"),
    _i("resolve_name", parse_getent_hosts,
       ("env", "RES_OPTIONS=timeout:1 attempts:2", "getent", "ahostsv4", "{name}"),
       "resolve through the instance's own resolver (glibc, A records)", GETENT_RCS),
    # Python probe: pexpect drives `multipass shell NAME` (exec `true` where no pty exists).
    Probe("shell_session", ALL_PLATFORMS, parse_shell_session,
          call=shell_session,
          instance=True, shows="(python) pexpect: multipass shell NAME -> 'ubuntu@NAME:~$ ', exit",
          description="multipass shell reaches the prompt"),
    # Actions, only on an instance the suite launched (the ARP check's alias): through the probe
    # layer so they are recorded and replayed like everything else.
    _i("alias_add", decode, ("sh", "-c", AS_ROOT, "sh", "ip", "addr", "add", "{cidr}",
                                                  "dev", "{dev}"),
       "add an extra IPv4 (launched instances only)"),
    _i("alias_del", decode, ("sh", "-c", AS_ROOT, "sh", "ip", "addr", "del", "{cidr}",
                                                  "dev", "{dev}"),
       "remove the extra IPv4 again (launched instances only)", frozenset({0, 2})),
)

def _arping(ctx: ProbeContext) -> list[str]:
    """`arping -I {iface} -c 2 -w 2 {ip}`: two requests a second apart, 2 s in all when nothing
    answers. On Linux (iputils) also `-f`: done at the first reply, not after the second request."""
    first = ["-f"] if ctx.session.platform == "linux" else []
    return ["arping", *first, "-I", "{iface}", "-c", "2", "-w", "2", "{ip}"]


ARPING_SHOWS = "arping [-f: Linux] -I {iface} -c 2 -w 2 {ip}"

HOST_PROBES = (
    Probe("multipass_launch", ALL_PLATFORMS, decode, _launch_command,
          shows="multipass launch [IMAGE] --name mpdiag-XXXXXX --timeout T  (--launch only)",
          cli=True, budget=_launch_budget,
          description="the ephemeral instance's launch (--launch: run once, at session start)"),
    Probe("arping", frozenset({"linux", "macos"}), parse_arping, _arping, shows=ARPING_SHOWS, privileged=True,
          data_rcs=ARPING_RCS, description="does an extra address of the instance answer ARP on the host's bridge"),
    Probe("arping_assigned", frozenset({"linux", "macos"}), parse_arping, _arping, shows=ARPING_SHOWS,
          privileged=True, data_rcs=ARPING_RCS,
          description="the same for the instance's assigned address (the control: arping works here)"),
)

register(*INSTANCE_PROBES, *HOST_PROBES)
