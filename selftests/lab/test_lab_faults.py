"""Every fault, observed for real from an instance or the host namespace, then healed."""
from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lab.testing import dig, listeners, loss_percent, observe, ping, unavailable_reason  # noqa: E402

if (_why := unavailable_reason()) is not None:
    pytest.skip(_why, allow_module_level=True)

pytestmark = pytest.mark.lab
HEALTHY = {"G": True, "X": True, "D1": "198.51.100.80", "D2": "198.51.100.80"}
OK, BAD = True, False


def expect(g, x, d1, d2) -> dict:
    ans = "198.51.100.80"
    return {"G": g, "X": x, "D1": ans if d1 else None, "D2": ans if d2 else None}


@pytest.fixture(scope="module", params=["linux", "macos"])
def layout_lab(request, lab_manager):
    """Module-scoped so pytest groups the tests per layout (one rebuild, not one per test)."""
    return lab_manager.get(request.param)


@pytest.fixture
def lab(layout_lab):
    lab = layout_lab
    yield lab
    lab.heal()
    assert observe(lab) == HEALTHY, "heal did not restore the baseline"


def test_baseline(lab):
    st = lab.state
    assert observe(lab) == HEALTHY
    for name, inst in st.instances.items():
        assert inst.ip and ipaddress.ip_address(inst.ip) in ipaddress.ip_network(st.subnet)
        assert inst.dhcp_server == st.gateway
        assert Path(f"/etc/netns/{inst.netns}/resolv.conf").read_text() == f"nameserver {st.gateway}\n"
    assert dig(lab, "primary", None)[0] == st.probe_answer          # the instance's own resolver
    assert dig(lab, "primary", st.gateway, f"www.{st.probe_name}")[0] == st.probe_answer
    assert lab.run_in("host", ["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip() == "1"
    assert lab.run_in("primary", ["sysctl", "-n", "net.ipv6.conf.all.disable_ipv6"]).stdout.strip() == "1"


def test_linux_layout_is_multipass_like(lab):
    if lab.state.layout != "linux":
        pytest.skip("linux layout only")
    st = lab.state
    assert (st.root / "data/network/multipass_subnet").read_text() == "10.97.23"
    leases = (st.root / "data/network/dnsmasq.leases").read_text()
    assert st.instances["primary"].mac in leases and st.instances["primary"].ip in leases
    rules = lab.run_in("host", ["iptables-save"]).stdout
    assert rules.count('--comment "generated for Multipass network mpqemubr0"') == 17
    assert "-j CHECKSUM --checksum-fill" in rules
    cmdline = Path(f"/proc/{_pid(lab, 'dnsmasq')}/cmdline").read_text().split("\0")
    for arg in ("--keep-in-foreground", "--strict-order", "--bind-interfaces", "--domain=multipass",
                "--local=/multipass/", "--except-interface=lo", "--interface=mpqemubr0",
                "--listen-address=10.97.23.1", "--dhcp-no-override", "--dhcp-ignore-clid",
                "--dhcp-authoritative", "10.97.23.2,10.97.23.254,infinite"):
        assert arg in cmdline
    own = listeners(lab, 53) + listeners(lab, 67)
    assert "dnsmasq" in own and "10.97.23.1:53" in own


def _pid(lab, label: str) -> int:
    return int((lab.state.root / "pids" / f"{label}.pid").read_text())


# fault -> (layouts, expectation from the primary or None when it must lose its lease)
NO_LEASE = None
CASES = {
    "dns-stop": (("linux", "macos"), expect(OK, OK, BAD, OK)),
    "dns-intercept": (("linux", "macos"), None),
    "nat-removed": (("linux", "macos"), expect(OK, BAD, OK, BAD)),
    "route-hijack": (("linux",), expect(BAD, BAD, BAD, BAD)),
    "black-hole": (("linux",), expect(OK, BAD, BAD, BAD)),
    "ip-forward-off": (("linux",), expect(OK, BAD, OK, BAD)),
    "forward-drop": (("linux",), expect(OK, BAD, OK, BAD)),
    "bridge-down": (("linux",), expect(BAD, BAD, BAD, BAD)),
}


@pytest.mark.parametrize("fault", list(CASES))
def test_reachability_faults(lab, fault):
    layouts, want = CASES[fault]
    if lab.state.layout not in layouts:
        pytest.skip(f"{fault} is tested in {layouts}")
    lab.fault(fault)
    st = lab.state
    assert st.instances["primary"].ip, "this fault must not cost the lease"
    got = observe(lab)
    if fault == "dns-intercept":
        assert got["D1"] == got["D2"] == st.intercept_answer
        assert ipaddress.ip_address(got["D1"]) in ipaddress.ip_network("198.18.0.0/15")
        assert got["G"] and got["X"]
        return
    assert got == want
    if fault == "route-hijack":
        assert "dev wan0" in lab.run_in("host", ["ip", "route", "get", st.instances["primary"].ip]).stdout
    if fault == "black-hole":  # silent: no ICMP error (no "Unreachable"), just a timeout
        out = lab.run_in("primary", ["ping", "-n", "-c1", "-W0.5", st.external_ip]).stdout
        assert "Unreachable" not in out and "100% packet loss" in out
    if fault == "bridge-down":
        assert "state DOWN" in lab.run_in("host", ["ip", "link", "show", st.bridge]).stdout or \
               "DOWN" in lab.run_in("host", ["ip", "-br", "link", "show", st.bridge]).stdout
    if fault == "forward-drop":
        assert "-P FORWARD DROP" in lab.run_in("host", ["iptables", "-S", "FORWARD"]).stdout
    if fault == "ip-forward-off":
        assert lab.run_in("host", ["sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip() == "0"


@pytest.mark.parametrize("fault,owner", [("dns-squat", "dnscrypt-proxy"), ("port53-squat", "named")])
def test_port53_squatters(lab, fault, owner):
    st = lab.state
    if fault == "port53-squat" and st.layout != "linux":
        pytest.skip("linux layout only")
    lab.fault(fault)
    st = lab.state
    own = listeners(lab, 53)
    assert owner in own and "dnsmasq" not in own
    ans, out = dig(lab, "host", st.gateway)
    assert ans is None and "timed out" in out          # the squatter swallows queries
    if st.layout == "linux":                           # the single dnsmasq died: DHCP went too
        assert st.instances["primary"].ip is None
        assert "dnsmasq" not in listeners(lab, 67)
    else:
        assert observe(lab) == expect(OK, OK, BAD, OK)


@pytest.mark.parametrize("fault", ["dhcp-stop", "dhcp-squat", "dnsmasq-killed", "port67-squat", "dhcp-blocked"])
def test_dhcp_faults_cost_the_lease(lab, fault):
    st = lab.state
    if fault in ("dnsmasq-killed", "port67-squat", "dhcp-blocked") and st.layout != "linux":
        pytest.skip("linux layout only")
    if fault == "dhcp-stop" and st.layout == "macos":
        pytest.skip("dhcp-squat covers the macos DHCP server")
    lab.fault(fault)
    st = lab.state
    for inst in st.instances.values():
        assert inst.ip is None
        # the management NIC (eth0) lost its lease; a bridged NIC on the LAN (eth1) keeps the LAN's
        assert lab.run_in(inst.name, ["ip", "-4", "-o", "addr", "show", "dev", "eth0", "scope", "global"]).stdout == ""
    if fault in ("dhcp-squat", "port67-squat"):
        assert "dhcpd" in listeners(lab, 67)
    if fault == "dhcp-stop":                            # linux: DNS stays, only DHCP is gone
        assert dig(lab, "host", st.gateway)[0] == st.probe_answer
    if fault == "dnsmasq-killed":
        assert listeners(lab, 53) == "" and listeners(lab, 67) == ""
    if fault == "dhcp-blocked":
        first = lab.run_in("host", ["iptables", "-S", "INPUT"]).stdout.splitlines()[1]
        assert "--dport 67" in first and "-j DROP" in first


def test_dhcp_rogue(lab):
    lab.fault("dhcp-rogue")
    st = lab.state
    p, inst = st.subnet_prefix, st.instances["primary"]
    assert inst.ip and 150 <= int(inst.ip.rsplit(".", 1)[1]) <= 160
    assert inst.dhcp_server == st.instances["second"].ip
    assert f"default via {p}.99" in lab.run_in("primary", ["ip", "route"]).stdout
    assert Path(f"/etc/netns/{inst.netns}/resolv.conf").read_text() == f"nameserver {p}.99\n"
    got = observe(lab)
    assert got["G"] and not got["X"]


def test_arp_filter(lab):
    lab.fault("arp-filter")
    st = lab.state
    alias, prim = f"{st.subnet_prefix}.200", st.instances["primary"].ip
    assert alias in lab.run_in("primary", ["ip", "-4", "addr"]).stdout
    assert ping(lab, "second", prim)
    assert not ping(lab, "second", alias)
    assert ping(lab, "host", prim)
    arp = lab.run_in("host", ["arping", "-c1", "-w1", "-I", st.bridge, alias]).stdout
    assert "Received 0 response" in arp
    lab.run_in("host", ["nft", "delete", "table", "bridge", "mplab_arp"], check=True)
    assert ping(lab, "host", alias)                    # the bridge rule was the only obstacle


def test_alias_api(lab):
    st = lab.state
    ip = f"{st.subnet_prefix}.210"
    lab.add_alias("second", ip)
    assert ping(lab, "primary", ip)
    lab.remove_alias("second", ip)
    assert ip not in lab.run_in("second", ["ip", "-4", "addr"]).stdout


def test_loss(lab):
    if lab.state.layout != "linux":
        pytest.skip("linux layout is enough")
    lab.fault("loss", 50)
    pct = loss_percent(lab, "primary", lab.state.external_ip)
    assert 15 <= pct <= 85, pct
    assert loss_percent(lab, "primary", lab.state.gateway, 10) == 0


def test_fault_errors(lab):
    from lab import LabError
    with pytest.raises(LabError, match="unknown fault"):
        lab.fault("nope")
    if lab.state.layout == "macos":
        with pytest.raises(LabError, match="makes no sense in the macos layout"):
            lab.fault("forward-drop")
