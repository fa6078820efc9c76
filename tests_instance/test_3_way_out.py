"""The way out ("ping works, DNS works, but apt and curl hang"): the path MTU with
don't-fragment pings of decreasing size, and a TLS handshake with an HTTPS server whose
certificate must come from a CA the instance trusts (not a TLS-inspecting product)."""

import pytest

from fixtures.checks import CheckError
from fixtures.target import PING_EXTERNAL_ID, PING_GATEWAY_ID
from mpdiag import host
from mpdiag.host.rules import instance as dns_facts
from mpdiag.host.rules import pmtu
from mpdiag.parse.tls import common_name
from mpdiag.probes.egress import TLS_HANDSHAKE_S

PATH_MTU_ID = "instance.net.path_mtu"
RESOLVER_ID = "instance.dns.resolver"
SANE_ID = "instance.dns.answers_sane"
HANDSHAKE_S = TLS_HANDSHAKE_S


def _interface_mtu(check, instance):
    """The primary interface and its MTU, from the `ip -j -4 addr` the other checks read (it has
    every link's mtu: no extra exec into the instance)."""
    link = instance.primary_link()
    if link is None:
        check.error(f"cannot tell {instance.name}'s primary interface from `ip addr` and `ip route`")
    if link.mtu is None:
        check.error(f"`ip -j -4 addr` in {instance.name} does not show {link.name}'s MTU")
    return link.name, link.mtu


def _ladder(instance, target, mtu):
    """DF pings from the interface's full size down, until one comes back (probes memoised)."""
    results = []
    for size in pmtu.sizes_for(mtu):
        r = instance.probe("ping_df", size=size, target=target)
        results.append(r)
        if r.replied:
            break
    return pmtu.judge(target, mtu, results)


def path_verdicts(check, instance, pytestconfig):
    """(interface, MTU, verdicts for the gateway and the external IP) - shared with the TLS check."""
    dev, mtu = _interface_mtu(check, instance)
    targets = [t for t in (instance.gateway(), pytestconfig.getoption("mp_external_ip")) if t]
    return dev, mtu, [_ladder(instance, t, mtu) for t in targets]


@pytest.mark.check(PATH_MTU_ID)
def test_path_mtu_has_no_black_hole(check, instance, pytestconfig):
    instance.require_running()
    # ordinary pings must come back reliably (memoised: the ping checks ran them), or silence proves nothing
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, PING_EXTERNAL_ID)
    dev, mtu, verdicts = path_verdicts(check, instance, pytestconfig)
    holes = [v for v in verdicts if v.black_hole or v.largest is None]
    if not holes:
        return
    fit = pmtu.suggested_mtu(verdicts) or 1280
    found = "; ".join(f"to {v.target}: {v.describe()}" for v in holes)
    check.fail(f"{found}; {instance.name}'s {dev} has MTU {mtu}: a path-MTU black hole (a hop with a smaller "
               f"MTU whose ICMP 'fragmentation needed' never arrives, typically a VPN): full-size TCP segments "
               f"vanish the same way, so downloads and TLS stall while ping and DNS work",
               **instance.facts(dev=dev, mtu=fit, iface_mtu=mtu, bridge=check.known(host.bridge)))


def _host_port(value):
    host, _, port = value.rpartition(":") if ":" in value else (value, "", "443")
    return host, port


def _skip_if_answer_bogus(check, instance, host):
    """No answer from the instance's resolver (instance.dns.resolver), or an intercepted one
    (instance.dns.answers_sane), sends the connection nowhere: not ours to judge. (s_client's
    own lookup can outlast its timeout, so its silence does not say that DNS works.)"""
    try:
        addresses = instance.probe("resolve_name", name=host)
    except (CheckError, pytest.skip.Exception):
        return
    if not addresses:
        check.skip(f"prerequisite {RESOLVER_ID} failed: {host} does not resolve in {instance.name}")
    for address in addresses:
        why = dns_facts.bogus_reason(address)
        if why:
            check.skip(f"prerequisite {SANE_ID} failed: {host} resolves to {address}, inside {why}")


@pytest.mark.check("instance.net.https_external")
def test_https_handshake_is_trusted(check, instance, pytestconfig):
    instance.require_running()
    host, port = _host_port(pytestconfig.getoption("mp_external_https"))
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, PING_EXTERNAL_ID)
    try:
        _, _, verdicts = path_verdicts(check, instance, pytestconfig)
    except (CheckError, pytest.skip.Exception):
        verdicts = []
    hole = next((v for v in verdicts if v.black_hole), None)
    if hole is not None:  # a definite finding of an earlier step: TLS's large flights die in it
        check.skip(f"prerequisite {PATH_MTU_ID} failed: to {hole.target}: {hole.describe()}; "
                   "a TLS handshake stalls in such a black hole, not judged separately")
    tls = instance.probe("tls_handshake", seconds=HANDSHAKE_S, host=host, port=port)
    where = f"{host}:{port}"
    facts = instance.facts(host=host, port=port)
    if tls.completed and tls.trusted:
        return
    if tls.completed:
        issuer = tls.top_issuer or "an unnamed issuer"
        check.fail(f"the certificate {where} presents is issued by \"{common_name(issuer)}\" ({issuer}), which "
                   f"{instance.name} does not trust (Verify return code: {tls.verify_code} ({tls.verify_text})): "
                   "not a public CA, so security software inspects TLS on the way out",
                   **instance.facts(host=host, port=port, issuer=common_name(issuer)))
    if tls.lookup_error:
        instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, PING_EXTERNAL_ID)
        check.skip(f"prerequisite {RESOLVER_ID} failed: {host} does not resolve in {instance.name} "
                   f"({tls.lookup_error})")
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, PING_EXTERNAL_ID)
    _skip_if_answer_bogus(check, instance, host)
    if not tls.tcp_connected:
        why = tls.connect_error or f"no answer within {HANDSHAKE_S} s"
        found = (f"no TCP connection to {where} from {instance.name} ({why}), while ping and DNS work: "
                 "direct HTTPS does not leave this network (a proxy is required, or a firewall drops it)")
    else:
        found = (f"the TLS handshake with {where} stalled after `{tls.last_state}` ({HANDSHAKE_S} s): the "
                 "server's large certificate flight never arrives (a path-MTU problem the ping ladder did not "
                 "show, or a middlebox)")
    check.fail(found, "instance.https_blocked", **facts)
