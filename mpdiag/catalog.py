"""The check catalog: every check's stable ID, problem class and remedy, in the guide's order.

Reports, muting and nightly trends key on the IDs; the order here is the order the
triage walks (generic, routing, dns, arp: the guide's own decision tree).
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_CLASSES = ("generic", "routing", "dns", "arp")
PLATFORMS = ("macos", "windows", "linux")


@dataclass(frozen=True)
class CheckSpec:
    """What a check is, independent of how pytest runs it."""

    id: str
    problem_class: str
    remedy: str
    title: str

    @property
    def side(self) -> str:
        """`instance` for in-instance checks, else `host`."""
        return "instance" if self.id.startswith("instance.") else "host"

    @property
    def platform(self) -> str | None:
        """The host platform of a host check; None for instance checks (all platforms)."""
        prefix = self.id.split(".", 1)[0]
        return prefix if prefix in PLATFORMS else None


def _c(id: str, cls: str, remedy: str, title: str) -> CheckSpec:
    return CheckSpec(id, cls, remedy, title)


CHECKS: tuple[CheckSpec, ...] = (
    # macOS host
    _c("macos.multipass.daemon", "generic", "multipass.start_daemon", "multipassd answers"),
    _c("macos.multipass.driver", "generic", "multipass.driver_info", "the driver is qemu"),
    _c("macos.multipass.version_fits_os", "generic", "multipass.upgrade", "Multipass is new enough for this macOS"),
    _c("macos.firewall.block_all", "generic", "macos.firewall.block_all", "the firewall does not block all incoming"),
    _c("macos.firewall.bootpd_allowed", "generic", "macos.firewall.bootpd", "bootpd is allowed through the firewall"),
    _c("macos.dhcp.bootpd_listening", "generic", "macos.dhcp.start_bootpd", "bootpd (or launchd) holds UDP 67"),
    _c("macos.dhcp.port67_exclusive", "generic", "macos.dhcp.port67_squatter", "nothing else holds UDP 67"),
    _c("macos.vmnet.subnet_in_192_168", "generic", "macos.vmnet.subnet_range", "Shared_Net_Address is in 192.168/16"),
    _c("macos.vmnet.leases_match_subnet", "generic", "macos.vmnet.leases", "the newest lease is in the subnet"),
    _c("macos.vmnet.bridge_exists", "generic", "macos.vmnet.restart", "a vmnet bridge exists while instances run"),
    _c("macos.dhcp.leases_file_present", "generic", "macos.dhcp.keep_leases", "the leases file exists"),
    _c("macos.interference.little_snitch", "generic", "macos.little_snitch", "Little Snitch"),
    _c("macos.logs.known_errors", "generic", "logs.known_error", "multipassd's log holds no known failure"),
    _c("macos.route.subnet_on_bridge", "routing", "macos.route.add", "the subnet is routed to the bridge"),
    _c("macos.route.vpn_nat", "routing", "macos.route.vpn_nat", "pf NATs the bridge out of the VPN"),
    _c("macos.vmnet.subnet_collision", "routing", "macos.vmnet.collision", "the subnet does not collide with the LAN"),
    _c("macos.interference.vpn_clients", "routing", "macos.vpn_clients", "VPN clients"),
    _c("macos.privacy.local_network", "routing", "macos.local_network", "Local Network privacy allows the terminal"),
    _c("macos.dns.port53_exclusive", "dns", "macos.dns.port53_squatter", "only mDNSResponder holds port 53"),
    _c("macos.dns.gateway_answers", "dns", "macos.dns.gateway", "the bridge gateway answers DNS"),
    _c("macos.interference.dns_tools", "dns", "macos.dns_tools", "DNS tools"),
    # Windows host
    _c("windows.multipass.daemon", "generic", "multipass.start_daemon", "multipassd answers"),
    _c("windows.multipass.driver", "generic", "multipass.driver_info", "the driver is hyperv"),
    _c("windows.hyperv.hypervisor_running", "generic", "windows.hypervisor", "the hypervisor runs"),
    _c("windows.multipass.port_not_excluded", "generic", "windows.port_excluded", "port 50051 is not excluded"),
    _c("windows.switch.exists", "generic", "windows.switch.reset", "the Default Switch exists with an address"),
    _c("windows.switch.hns_healthy", "generic", "windows.switch.reset", "the HNS network matches the adapter"),
    _c("windows.ics.service", "generic", "windows.ics.start", "Internet Connection Sharing runs"),
    _c("windows.ics.hosts_single_entry", "generic", "windows.ics.duplicates", "one hosts.ics entry per instance"),
    _c("windows.ics.hosts_matches_instance", "generic", "windows.ics.stale", "hosts.ics matches Multipass"),
    _c("windows.ics.hosts_not_corrupted", "generic", "windows.ics.corrupted", "hosts.ics is well formed"),
    _c("windows.interference.antivirus", "generic", "windows.antivirus", "third-party anti-virus"),
    _c("windows.logs.known_errors", "generic", "logs.known_error", "multipassd's events hold no known failure"),
    _c("windows.ics.name_resolves", "routing", "windows.ics.name", "<instance>.mshome.net resolves and answers on 22"),
    _c("windows.portproxy.no_stale_rules", "routing", "windows.portproxy", "no portproxy rule to a gone instance"),
    # Linux host
    _c("linux.multipass.daemon", "generic", "multipass.start_daemon", "multipassd answers"),
    _c("linux.host.environment", "generic", "linux.host_environment", "the host is not WSL2 or an unprivileged container"),
    _c("linux.bridge.up", "generic", "linux.bridge", "the bridge is up with its gateway"),
    _c("linux.dnsmasq.serving", "generic", "linux.dnsmasq", "dnsmasq serves DHCP and DNS on the bridge"),
    _c("linux.snap.apparmor", "generic", "linux.snap_apparmor", "AppArmor denies Multipass nothing"),
    _c("linux.firewall.dhcp_allowed", "generic", "linux.firewall_dhcp", "the firewall lets DHCP/DNS in"),
    _c("linux.logs.known_errors", "generic", "logs.known_error", "multipassd's journal holds no known failure"),
    _c("linux.firewall.forward", "routing", "linux.forward", "FORWARD accepts the bridge's traffic"),
    _c("linux.ports.exclusive", "dns", "linux.ports", "nothing else holds 53/67"),
    _c("linux.sysctl.ip_forward", "dns", "linux.ip_forward", "IP forwarding is on"),
    # instance
    _c("instance.launch.gets_ip", "generic", "instance.generic", "a launched instance gets an IPv4"),
    _c("instance.state.listed", "generic", "instance.listed", "`multipass list` answers"),
    _c("instance.state.running_with_ip", "generic", "instance.generic", "the instance runs with an IPv4"),
    _c("instance.shell.reachable", "routing", "instance.routing", "multipass shell reaches the prompt"),
    _c("instance.net.ping_gateway", "routing", "instance.routing", "the instance pings its gateway"),
    _c("instance.net.ping_external", "dns", "instance.no_internet", "the instance pings an external IP"),
    _c("instance.dns.gateway", "dns", "instance.dns.gateway", "the gateway resolves names"),
    _c("instance.dns.external", "dns", "instance.dns.external", "an external server resolves names"),
    _c("instance.dns.resolver", "dns", "instance.dns.resolver", "the instance's resolver works"),
    _c("instance.dns.answers_sane", "dns", "instance.dns.intercepted", "answers are not intercepted"),
    _c("instance.arp.extra_ips", "arp", "instance.arp", "extra IPs answer ARP"),
)

# The way out (issue 12): path MTU, TLS, image servers and proxies, the launch's DHCP exchange.
CHECKS += (
    _c("macos.multipass.image_servers", "generic", "macos.multipass_proxy",
       "the image servers answer `find`; the daemon sees the proxy"),
    _c("windows.multipass.image_servers", "generic", "windows.multipass_proxy",
       "the image servers answer `find`; the daemon sees the proxy"),
    _c("linux.multipass.image_servers", "generic", "linux.multipass_proxy",
       "the image servers answer `find`; the daemon sees the proxy"),
    _c("instance.launch.dhcp_exchange", "generic", "instance.dhcp.no_offer",
       "the launched instance's DHCP exchange completes with the bridge"),
    _c("instance.net.path_mtu", "dns", "instance.path_mtu", "full-size packets leave without a path-MTU black hole"),
    _c("instance.net.https_external", "dns", "instance.tls_inspection",
       "a TLS handshake completes with a trusted certificate"),
)

# Today's Multipass (issue 11, the Multipass side): bridged networks, zones, stale addresses.
CHECKS += (
    _c("instance.state.ip_current", "generic", "instance.stale_ip",
       "the IPv4 Multipass reports is the one the host's DHCP evidence gives the instance"),
    *(_c(f"{p}.bridged.setting_valid", "generic", "multipass.bridged_setting",
         "`local.bridged-network` names a network `multipass networks` lists") for p in PLATFORMS),
    _c("linux.bridged.networkmanager", "generic", "linux.networkmanager",
       "NetworkManager runs where bridged networking is configured"),
    _c("instance.bridged.nic_configured", "routing", "instance.bridged_nic",
       "the instance's bridged NIC has an IPv4"),
    *(_c(f"{p}.zones.subnets_free", "routing", "multipass.zone_subnet",
         "no zone's subnet collides with another interface or route") for p in PLATFORMS),
)

BY_ID: dict[str, CheckSpec] = {c.id: c for c in CHECKS}


def spec(check_id: str) -> CheckSpec:
    """The catalog entry of a check ID (KeyError for an unknown ID)."""
    return BY_ID[check_id]


def order(check_id: str) -> tuple[int, int]:
    """Sort key: problem class in the guide's order, then catalog order."""
    c = BY_ID[check_id]
    return PROBLEM_CLASSES.index(c.problem_class), CHECKS.index(c)
