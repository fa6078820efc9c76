"""The documented fixes, in one place. Checks refer to them by ID.

Texts and commands follow the upstream troubleshooting guide; `doc` links to its
stable anchors. Commands may hold `{placeholders}` (subnet, bridge, vpn_if, ...)
that a check fills from what it found on the live system: the guide's own
192.168.64.0/24 is out of date and never hard-coded here.

Longer than ~300 lines on purpose: it is a table, one entry per documented fix (the
guide's words, commands and anchor), with a few lines of code; one home so every check,
`--explain` and the reports render the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GUIDE = "https://documentation.ubuntu.com/multipass/latest/how-to-guides/troubleshoot/troubleshoot-networking/"
LAUNCH_GUIDE = "https://documentation.ubuntu.com/multipass/latest/how-to-guides/troubleshoot/troubleshoot-launch-start-issues/"
GENERIC = GUIDE + "#troubleshoot-networking-generic-networking-problems"
ROUTING = GUIDE + "#troubleshoot-networking-routing-problems"
DNS = GUIDE + "#troubleshoot-networking-dns-problems"
ARP = GUIDE + "#troubleshoot-networking-arp-problems"
MACOS_UPDATE = GUIDE + "#troubleshoot-networking-issues-caused-by-macos-update"
WIN_SWITCH = GUIDE + "#default-switch-going-awry"
WIN_ICS = GUIDE + "#stale-internet-connection-sharing-lease"
WIN_AV = GUIDE + "#anti-virus-security-software-blocking-instances"
ISSUES = "https://github.com/canonical/multipass/issues/"
# the `{restart_daemon}` of instance.stale_ip: what clears multipassd's cached addresses, per platform
RESTART_DAEMON = {
    "linux": "sudo snap restart multipass.multipassd",
    "macos": "sudo launchctl kickstart -k system/com.canonical.multipassd",
    "windows": "Restart-Service Multipass  # as Administrator; Hyper-V before 1.16.2: upgrade",
}


@dataclass(frozen=True)
class Remedy:
    """A documented fix: what to do, the exact commands, and where the guide says so."""

    id: str
    title: str
    text: str
    doc: str
    commands: tuple[str, ...] = field(default_factory=tuple)

    def render(self, **facts: object) -> "Remedy":
        """The remedy with `{placeholders}` filled from live facts; unknown ones stay `<name>`."""
        values = _Facts({k: str(v) for k, v in facts.items() if v is not None})
        return Remedy(
            self.id,
            self.title.format_map(values),
            self.text.format_map(values),
            self.doc,
            tuple(c.format_map(values) for c in self.commands),
        )

    def as_text(self) -> str:
        """The remedy as readable text: title, explanation, commands, doc link."""
        lines = [f"Remedy: {self.title}", f"  {self.text}"]
        lines += [f"    $ {c}" for c in self.commands]
        lines.append(f"  Docs: {self.doc}")
        return "\n".join(lines)


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def _r(id: str, title: str, text: str, doc: str, *commands: str) -> Remedy:
    return Remedy(id, title, text, doc, tuple(commands))


_ALL = [
    # --- Multipass itself -------------------------------------------------------------
    _r("multipass.start_daemon", "Start (or reinstall) the Multipass daemon",
       "`multipass version` got no answer from multipassd; without the daemon every other check is moot.",
       LAUNCH_GUIDE,
       "sudo launchctl load -w /Library/LaunchDaemons/com.canonical.multipassd.plist  # macOS",
       "Start-Service Multipass  # Windows, as Administrator",
       "sudo snap restart multipass  # Linux"),
    _r("multipass.driver_info", "Other driver: the QEMU/vmnet or Hyper-V checks do not apply",
       "This guide covers the default driver; checks specific to it are skipped on {driver}.",
       GUIDE, "multipass get local.driver"),
    _r("multipass.upgrade", "Upgrade Multipass",
       "{why}", LAUNCH_GUIDE,
       "brew upgrade --cask multipass  # or the installer from https://canonical.com/multipass/install"),
    # --- macOS: generic ---------------------------------------------------------------
    _r("macos.firewall.block_all", "Turn off \"Block all incoming connections\"",
       "Blocking all incoming connections stops the local DHCP server (bootpd) from giving the "
       "instances an address. Blocking multipassd alone is fine.",
       GENERIC,
       "sudo /usr/libexec/ApplicationFirewall/socketfilterfw --setblockall off"),
    _r("macos.firewall.bootpd", "Let bootpd through the application firewall",
       "The firewall blocks /usr/libexec/bootpd, so instances get no DHCP lease. After a macOS update: "
       "reboot, toggle Internet Sharing and the firewall, and allow QEMU and multipassd incoming connections.",
       MACOS_UPDATE,
       "sudo /usr/libexec/ApplicationFirewall/socketfilterfw --add /usr/libexec/bootpd",
       "sudo /usr/libexec/ApplicationFirewall/socketfilterfw --unblock /usr/libexec/bootpd"),
    _r("macos.dhcp.start_bootpd", "Start the bootpd DHCP server",
       "Nothing (neither launchd nor bootpd) holds UDP port 67, so no DHCP server answers the instances.",
       GENERIC,
       "sudo launchctl start com.apple.bootpd",
       "sudo launchctl load -w /System/Library/LaunchDaemons/bootps.plist"),
    _r("macos.dhcp.port67_squatter", "Stop the other DHCP server on port 67",
       "A custom DHCP server bound to port 67 takes the instances' DHCP away from bootpd; "
       "`sudo lsof -iUDP:67 -n -P` must show launchd and bootpd only.",
       GENERIC,
       "sudo lsof -iUDP:67 -n -P", "sudo kill {pid}  # or stop/uninstall {process}"),
    _r("macos.vmnet.subnet_range", "Put Shared_Net_Address back inside 192.168",
       "Multipass expects the vmnet subnet inside 192.168.0.0/16; edit the plist value back inside it.",
       GENERIC,
       "sudo defaults write /Library/Preferences/SystemConfiguration/com.apple.vmnet.plist Shared_Net_Address -string {suggested_address}"),
    _r("macos.vmnet.leases", "Edit or delete the DHCP leases file to really revert the subnet",
       "The DHCP server derives the subnet from the last lease in /var/db/dhcpd_leases and rewrites "
       "Shared_Net_Address to match, so a changed subnet comes back until the lease is gone.",
       GENERIC,
       "sudo cp /var/db/dhcpd_leases ~/dhcpd_leases.backup",
       "sudo rm /var/db/dhcpd_leases  # stop all instances first"),
    _r("macos.vmnet.restart", "Recreate the vmnet bridge",
       "An instance runs but no vmnet bridge with an address exists (host network changes: USB-C hubs, "
       "tethering, Internet Sharing toggled).",
       GENERIC,
       "multipass stop --all",
       "sudo launchctl unload /Library/LaunchDaemons/com.canonical.multipassd.plist",
       "sudo launchctl load -w /Library/LaunchDaemons/com.canonical.multipassd.plist"),
    _r("macos.dhcp.keep_leases", "Do not delete /var/db/dhcpd_leases",
       "Multipass up to 1.14.0 reads instance addresses from it (`Cannot open dhcpd_leases file`); "
       "restart an instance so bootpd writes it again, or upgrade Multipass.",
       GENERIC, "multipass restart {instance}"),
    _r("macos.little_snitch", "Let Little Snitch allow mDNSResponder, bootpd and multipassd",
       "Little Snitch must let mDNSResponder and bootpd use BPF and multipassd reach the image servers "
       "(`Unknown error` on `multipass launch -vvv`).",
       GENERIC),
    # --- macOS: routing ---------------------------------------------------------------
    _r("macos.route.add", "Route the instance subnet through the vmnet bridge",
       "The instance subnet {subnet} leaves through {found_if} instead of {bridge}, usually a VPN's doing. "
       "Ask for split tunnelling (Cisco and Pulse support it); with Cisco AnyConnect try OpenConnect.",
       ROUTING,
       "sudo route -nv add -net {subnet} -interface {bridge}",
       "sudo route -nv delete -net {subnet}  # on \"File exists\", then add again (maybe with -static)",
       "brew install openconnect  # instead of Cisco AnyConnect, if policy allows"),
    _r("macos.route.vpn_nat", "NAT the instances out through the VPN interface",
       "The default route goes through {vpn_if} but pf has no NAT rule for the vmnet bridge on it. "
       "Add the line below after the `nat` lines of /etc/pf.conf (or at its end), then reload pf.",
       ROUTING,
       "nat on {vpn_if} from {bridge}:network to any -> ({vpn_if})",
       "sudo pfctl -f /etc/pf.conf"),
    _r("macos.vpn_clients", "A VPN client may route the instance subnet through the VPN",
       "OpenVPN, F5, Dell SonicWall, Cisco AnyConnect, Citrix/Netscaler Gateway and Pulse Secure are "
       "known to; Tunnelblick is fine. If the route check fails, ask for split tunnelling.",
       ROUTING),
    _r("macos.local_network", "Allow your terminal app on the local network",
       "macOS 15+ blocks the terminal's connection to the instance (\"No route to host\") while root can reach it: "
       "System Settings > Privacy & Security > Local Network, enable the terminal app.",
       ROUTING, "open 'x-apple.systempreferences:com.apple.preference.security?Privacy_LocalNetwork'"),
    _r("macos.vmnet.collision", "Move the instance subnet off your LAN's",
       "The vmnet subnet {subnet} overlaps {other_if}'s {other_net}: replies go to the wrong interface. "
       "Multipass 1.16.2+ uses 192.168.252.0/24; otherwise move the LAN.",
       ROUTING, "brew upgrade --cask multipass"),
    # --- macOS: DNS -------------------------------------------------------------------
    _r("macos.dns.port53_squatter", "Free port 53 for Internet Sharing's DNS",
       "{process} (pid {pid}) holds port 53, which mDNSResponder needs to answer the instances. {tool_fix}",
       DNS,
       "sudo lsof -iTCP:53 -iUDP:53 -n -P"),
    _r("macos.dns.gateway", "Internet Sharing's DNS (mDNSResponder) does not answer",
       "See the port-53 check; per-process firewalls (Little Snitch) must let mDNSResponder connect out. "
       "Workarounds: use another DNS server inside the instance, or set it with cloud-init.",
       DNS,
       "echo 'nameserver 1.1.1.1' | sudo tee -a /etc/resolv.conf  # inside the instance",
       "multipass launch --cloud-init dns.yaml  # with manage_resolv_conf: true and resolv_conf: {{nameservers: [1.1.1.1]}}"),
    _r("macos.dns_tools", "A DNS tool may hold port 53",
       "Cisco Umbrella Roaming Client, dnscrypt-proxy, dnscrypt-wrapper, cloudflared and dnsmasq bind "
       "localhost:53 by default and clash with Internet Sharing; the port-53 check tells whether it does now.",
       DNS),
    # --- instance ---------------------------------------------------------------------
    _r("instance.generic", "Instances get no address: the generic networking problems",
       "The instance has no IPv4 address. Work through the host checks that failed (firewall, bootpd, "
       "DHCP on port 67). After a macOS update or firewall change: reboot, toggle Internet Sharing and the "
       "firewall, allow QEMU and multipassd incoming connections. On Windows: stale hosts.ics entries, "
       "a broken Default Switch.",
       GENERIC, "multipass list", "multipass restart {instance}"),
    _r("instance.listed", "Multipass cannot list its instances: the generic networking problems",
       "`multipass list` failed with the daemon's own words ({said}). `IP not available` means the daemon "
       "could not find an instance's address (no DHCP lease or ARP entry for its MAC): work through the "
       "generic host checks. A timeout or `cannot connect` means multipassd itself is stuck or down: "
       "restart it, then list again.",
       GENERIC, "multipass list", "multipass restart --all"),
    _r("instance.routing", "The host cannot reach the instance: network routing problems",
       "See the routing section: a VPN may route the subnet away from the bridge. On macOS 15+ "
       "`ssh connection failed: '... No route to host'` also means Local Network privacy. An instance "
       "that cannot reach its own gateway may hold a lease from another DHCP server on the subnet "
       "(its router is not the host's bridge): stop that server, then restart the instance.",
       ROUTING, "sudo route -nv add -net {subnet} -interface {bridge}  # macOS"),
    _r("instance.no_internet", "The instance cannot reach the internet",
       "No ping to {target}: NAT or the uplink is broken. On macOS, Stealth Mode blocks ICMP: turn it off for "
       "this test ({stealth}).",
       DNS, "multipass exec {instance} -- ping -c 3 {target}"),
    _r("instance.dns.gateway", "The gateway's DNS is broken",
       "The host's DNS on the gateway does not answer: check what holds port 53 on the host, then use a "
       "working server inside the instance or set one with cloud-init.",
       DNS,
       "sudo lsof -iTCP:53 -iUDP:53 -n -P  # macOS host",
       "echo 'nameserver 1.1.1.1' | sudo tee -a /etc/resolv.conf  # inside the instance"),
    _r("instance.dns.external", "External DNS does not answer either",
       "Queries to {server} fail too: DNS traffic does not leave the host (NAT, firewall, VPN). If this passes "
       "while the gateway fails, the host's Internet Sharing DNS is at fault.",
       DNS, "multipass exec {instance} -- dig @{server} {name}"),
    _r("instance.dns.resolver", "Point the instance's resolver at a working server",
       "The instance's own resolver cannot resolve {name}.",
       DNS,
       "echo 'nameserver 1.1.1.1' | sudo tee -a /etc/resolv.conf  # inside the instance",
       "resolvectl status  # inside the instance"),
    _r("instance.dns.intercepted", "DNS answers are intercepted",
       "{name} resolves to {address}, inside {bogus}: security software (e.g. Fortinet) intercepts DNS. "
       "Exempt the instance subnet in the security product, or NAT its DNS on the uplink.",
       DNS),
    _r("instance.arp", "Extra IPs are filtered by the bridge",
       "The bridge lets through only the IP it assigned: aliases (metallb under microk8s) will not work. "
       "Use the assigned IP.",
       ARP),
    # --- Windows ----------------------------------------------------------------------
    _r("windows.switch.reset", "Reset the Default Switch",
       "The Hyper-V Default Switch is missing or broken; remove its network sharing and reboot: Hyper-V "
       "recreates it. (Its name is localized: the command names it as this Windows does.)",
       WIN_SWITCH,
       'Get-HNSNetwork | ? Name -Like "{switch_name}" | Remove-HNSNetwork',
       "Restart-Computer"),
    _r("windows.ics.start", "Start Internet Connection Sharing",
       "The SharedAccess service serves DHCP and DNS to the Default Switch.",
       WIN_SWITCH, "Start-Service SharedAccess  # as Administrator"),
    _r("windows.ics.duplicates", "Keep only the first hosts.ics entry per instance",
       "As Administrator, edit C:\\Windows\\System32\\drivers\\etc\\hosts.ics and remove every entry of "
       "{instance} but the first ({lines}).",
       WIN_ICS, "notepad C:\\Windows\\System32\\drivers\\etc\\hosts.ics  # as Administrator"),
    _r("windows.ics.stale", "Remove the stale hosts.ics line",
       "hosts.ics says {instance} is {ics_ip}, Multipass says {mp_ip}. Remove the stale line; if the file is "
       "corrupted, stop the instances, delete it and reboot.",
       WIN_ICS, "notepad C:\\Windows\\System32\\drivers\\etc\\hosts.ics  # as Administrator"),
    _r("windows.ics.corrupted", "Delete the corrupted hosts.ics and reboot",
       "Windows rewrites hosts.ics without truncating it, leaving fragments. Stop the instances, delete the "
       "file and reboot.",
       WIN_ICS,
       "multipass stop --all",
       "Remove-Item C:\\Windows\\System32\\drivers\\etc\\hosts.ics  # as Administrator",
       "Restart-Computer"),
    _r("windows.antivirus", "Anti-virus may block the instances",
       "Anti-virus and network security software ({products}) are not necessarily virtualization-aware; "
       "disable it temporarily to test.",
       WIN_AV),
    _r("windows.hypervisor", "Launch the hypervisor at boot",
       "Hyper-V's hypervisor is not running, so no instance can start.",
       LAUNCH_GUIDE, "bcdedit /set hypervisorlaunchtype auto  # as Administrator", "Restart-Computer"),
    _r("windows.port_excluded", "Free multipassd's port 50051",
       "Port 50051 lies in an excluded range ({range}), so the daemon cannot listen. Move the daemon's "
       "address or free the range (often taken by Hyper-V/WinNAT at boot).",
       LAUNCH_GUIDE,
       "netsh interface ipv4 show excludedportrange protocol=tcp",
       "net stop winnat; net start winnat  # as Administrator, frees dynamic exclusions"),
    _r("windows.portproxy", "Delete the stale portproxy rule",
       "A portproxy rule points at {address}, which no instance has any more.",
       ROUTING,
       "netsh interface portproxy delete v4tov4 listenport={port} listenaddress={listen}  # as Administrator"),
    # --- Linux ------------------------------------------------------------------------
    _r("linux.bridge", "Restart multipassd to recreate the bridge",
       "The Multipass bridge {bridge} is missing, down or without its gateway address.",
       LAUNCH_GUIDE, "sudo snap restart multipass"),
    _r("linux.dnsmasq", "Let Multipass's dnsmasq serve the bridge",
       "No dnsmasq serves DHCP and DNS on {bridge} ({missing}); nothing else may hold port 53/67 on the "
       "bridge address (\"dnsmasq died ... Ensure nothing is using port 53\").",
       LAUNCH_GUIDE,
       "sudo ss -lunp 'sport = :53'", "sudo ss -lunp 'sport = :67'", "sudo snap restart multipass"),
    _r("linux.ports", "Stop the other process on port {port}",
       "{process} (pid {pid}) holds {address}:{port}, where Multipass's dnsmasq must listen "
       "(another dnsmasq, libvirt, systemd-resolved on 0.0.0.0).",
       LAUNCH_GUIDE, "sudo ss -lunp 'sport = :{port}'", "sudo kill {pid}  # or stop its service"),
    _r("linux.forward", "Accept the bridge's traffic in the FORWARD chain",
       "The FORWARD chain drops {bridge}'s traffic: Multipass's ACCEPT rules for {bridge} are missing or come "
       "too late (Docker sets FORWARD's policy to DROP and puts its own chains first, possibly on the other "
       "iptables backend), so instances have no internet. Restart multipassd after Docker, or add Docker's "
       "documented exception.",
       ISSUES + "2477",
       "sudo snap restart multipass",
       "sudo iptables -I DOCKER-USER -i {bridge} -j ACCEPT",
       "sudo iptables -I DOCKER-USER -o {bridge} -j ACCEPT"),
    _r("linux.firewall_dhcp", "Let DHCP and DNS through on the bridge",
       "The host firewall (a rule ahead of Multipass's INPUT ACCEPT rules, ufw, or a firewalld zone) drops "
       "DHCP/DNS from the instances on {bridge}: let them in on the bridge.",
       ISSUES + "1448",
       "sudo firewall-cmd --zone=trusted --change-interface={bridge} --permanent && sudo systemctl restart firewalld",
       "sudo ufw allow in on {bridge}",
       "sudo ufw route allow in on {bridge}"),
    _r("linux.ip_forward", "Enable IP forwarding",
       "net.ipv4.ip_forward is 0, so the host does not route the instances' traffic.",
       LAUNCH_GUIDE, "sudo sysctl -w net.ipv4.ip_forward=1"),
    _r("logs.known_error", "A known failure signature in multipassd's log",
       "The log says `{signature}`, a {problem_class} problem: {meaning} Work through the guide's "
       "{problem_class} section ({section}); the failed checks of that class tell which cause applies now. "
       "A log line may be old: read the end of the log to see whether it still happens.",
       GUIDE, "{log_command}"),
]

# --- the way out (issue 12) -------------------------------------------------------------------
NETPLAN_MTU = "https://netplan.readthedocs.io/en/stable/netplan-yaml/#properties-for-all-device-types"
UBUNTU_CA = "https://documentation.ubuntu.com/server/how-to/security/install-a-root-ca-certificate-in-the-trust-store/"
_PROXY_WHY = ("multipassd reads only `http_proxy` (then `HTTP_PROXY`) from its own environment, once at start, "
              "and uses it for https downloads too (CONNECT); `https_proxy`, `no_proxy` and your shell's "
              "variables never reach it. {proxy_note} Give the URL a port: without one Multipass uses 65535.")
_ALL += [
    _r("instance.path_mtu", "Lower the MTU below the path's (a path-MTU black hole)",
       "Packets larger than {mtu} bytes from {instance} vanish and nobody says so (ICMP 'fragmentation needed' "
       "is dropped, typically on a VPN): set the instance's MTU to what passes with netplan `mtu:`, lower the "
       "VPN's MTU, or clamp TCP's MSS to the path MTU on the host.",
       NETPLAN_MTU,
       "multipass exec {instance} -- sudo ip link set dev {dev} mtu {mtu}  # try it now (until reboot)",
       "multipass exec {instance} -- sudo netplan set ethernets.{dev}.mtu={mtu}  # keep it, then: sudo netplan apply",
       "sudo iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu  "
       "# Linux host: MSS clamping"),
    _r("instance.tls_inspection", "Exempt the instances from TLS inspection",
       "Security software on the way out replaces the server's certificate with one from \"{issuer}\", which the "
       "instance does not trust, so apt, snap and curl fail. Exempt the instance subnet ({subnet}) from TLS "
       "inspection in the product, or, if you trust that CA, install it in the instance.",
       UBUNTU_CA,
       "multipass exec {instance} -- openssl s_client -connect {host}:{port} -servername {host} -showcerts "
       "</dev/null",
       "multipass exec {instance} -- sudo sh -c 'cat > /usr/local/share/ca-certificates/inspection.crt' "
       "< inspection-ca.pem && multipass exec {instance} -- sudo update-ca-certificates"),
    _r("instance.https_blocked", "HTTPS does not get out of the instance",
       "Ping and DNS work but HTTPS to {host}:{port} does not: a network that requires a proxy (set it for apt "
       "and the shell inside the instance), a firewall dropping 443, or a path-MTU problem (lower the MTU, see "
       "instance.net.path_mtu).",
       DNS,
       "multipass exec {instance} -- curl -v --max-time 10 https://{host}:{port}/",
       "multipass exec {instance} -- sudo ip link set dev ens3 mtu 1280  # if it then works: an MTU problem"),
    _r("instance.dhcp.no_offer", "No DHCP server answers on the bridge",
       "The instance asks for an address and nobody answers on {bridge}: the host's DHCP server (dnsmasq, "
       "bootpd) is not running or a firewall drops DHCP. The host checks of the generic section say which.",
       GENERIC,
       "sudo tcpdump -i {bridge} -n -e -vv 'udp and (port 67 or port 68)'  # while `multipass launch` runs"),
    _r("instance.dhcp.rogue", "Stop the other DHCP server on the subnet",
       "{rogue} answers the instances' DHCP on {bridge} instead of the host ({gateway}): its leases give them "
       "another router and DNS. Find it by the MAC in the capture and stop it (a DHCP server in another VM, "
       "a container, a bridged router).",
       GENERIC,
       "sudo tcpdump -i {bridge} -n -e -vv 'udp and (port 67 or port 68)'"),
    _r("instance.dhcp.no_offer_windows", "Internet Connection Sharing does not answer DHCP on the Default Switch",
       "The instance asks for an address and nobody answers on {bridge}: ICS (the SharedAccess service) serves "
       "the Default Switch's DHCP; it is stopped or wedged, or a firewall product drops DHCP. Restart it, as "
       "Administrator, and capture the next launch again.",
       WIN_SWITCH, "Get-Service SharedAccess", "Restart-Service SharedAccess  # as Administrator",
       "pktmon filter add DHCP -t UDP -p 67; pktmon start --capture --comp nics --file-name dhcp.etl  "
       "# as Administrator, then launch; then: pktmon stop; pktmon etl2pcap dhcp.etl; pktmon filter remove"),
    _r("instance.dhcp.rogue_windows", "Stop the other DHCP server on the Default Switch",
       "{rogue} answers the instances' DHCP on {bridge} instead of ICS ({gateway}): its leases give them another "
       "router and DNS. Find the VM with that MAC on the Default Switch and stop its DHCP server, or move it to "
       "another switch.",
       WIN_SWITCH, "Get-VM | Get-VMNetworkAdapter | Where-Object SwitchName -eq 'Default Switch' | "
                   "Select-Object VMName, MacAddress, IPAddresses"),
    _r("instance.dhcp.no_discover", "The instance never asked for an address",
       "No DISCOVER came from the launched instance on {bridge}: it did not boot far enough, or its NIC is "
       "attached elsewhere.",
       LAUNCH_GUIDE, "multipass info {instance}"),
    _r("instance.dhcp.no_ack", "The DHCP exchange does not complete",
       "The instance got an offer on {bridge} but no acknowledgement: the server refuses the request (NAK) or "
       "its reply is lost (a firewall, a second server).",
       GENERIC, "sudo tcpdump -i {bridge} -n -e -vv 'udp and (port 67 or port 68)'"),
    _r("linux.multipass_proxy", "Give the snap's daemon the proxy",
       _PROXY_WHY + " On Linux the snap's daemon gets it only from the snap's options (`/etc/environment` "
       "does not reach it).",
       LAUNCH_GUIDE,
       "sudo snap set multipass proxy.http=http://<host>:<port> proxy.https=http://<host>:<port>",
       "sudo cat /proc/$(pidof multipassd)/environ | tr '\\0' '\\n' | grep -i proxy  # what the daemon has"),
    _r("macos.multipass_proxy", "Give the launchd daemon the proxy",
       _PROXY_WHY + " On macOS the daemon is started by launchd: only the plist's EnvironmentVariables reach it.",
       LAUNCH_GUIDE,
       "sudo /usr/libexec/PlistBuddy -c 'Add :EnvironmentVariables:http_proxy string http://<host>:<port>' "
       "/Library/LaunchDaemons/com.canonical.multipassd.plist",
       "sudo launchctl unload /Library/LaunchDaemons/com.canonical.multipassd.plist && sudo launchctl load -w "
       "/Library/LaunchDaemons/com.canonical.multipassd.plist"),
    _r("windows.multipass_proxy", "Give the Multipass service the proxy",
       _PROXY_WHY + " On Windows the service reads the machine environment, not the user's.",
       LAUNCH_GUIDE,
       "Stop-Service Multipass  # as Administrator",
       'Set-ItemProperty -Path "HKLM:\\System\\CurrentControlSet\\Control\\Session Manager\\Environment" '
       '-Name HTTP_PROXY -Value "http://<host>:<port>"',
       "Start-Service Multipass"),
]

# Today's Multipass (issue 11): bridged networks, zones, stale addresses
_ALL += [
    _r("instance.stale_ip", "Multipass reports a stale address: restart the daemon",
       "Multipass caches an instance's address and reports {reported}, but the host's own DHCP evidence "
       "({evidence}) gives {instance} {current}: exec, shell and anything using the reported address go to the "
       "old one. Restarting multipassd clears the cache (macOS QEMU #3772, AppleVZ #5075, both open); on "
       "Hyper-V upgrade to 1.16.2 or later (#3354 fixed there).",
       GENERIC,
       "{restart_daemon}",
       "multipass list --format json  # the first ipv4 must be the current address"),
    _r("multipass.bridged_setting", "Name a network `multipass networks` lists",
       "`local.bridged-network` is '{network}', but `multipass networks` lists {listed}. The setting is not "
       "checked when it is set, only when `launch --bridged` or `local.<instance>.bridged` uses it, which then "
       "fail with `Invalid network '{network}' set as bridged interface`.",
       GENERIC,
       "multipass networks",
       "multipass set local.bridged-network={suggest}  # or another listed name"),
    _r("linux.networkmanager", "Run NetworkManager, or bridge through a bridge of your own",
       "Multipass (QEMU, 1.15+) creates the bridge for `--network`/`--bridged` through NetworkManager over "
       "D-Bus; with NetworkManager {state}, `launch` fails with `Could not create bridge. Could not reach remote "
       "D-Bus object: The name org.freedesktop.NetworkManager was not provided by any .service files` (#2726). "
       "Install and start it (and connect the snap's network-manager plug), or make a bridge with netplan and "
       "name that bridge instead.",
       GENERIC,
       "sudo apt install network-manager && sudo systemctl enable --now NetworkManager",
       "sudo snap connect multipass:network-manager",
       "multipass networks  # a netplan bridge of your own shows as type bridge: name it, it needs no NetworkManager"),
    _r("instance.bridged_nic", "Give the bridged NIC an address",
       "{instance} is bridged but its extra NIC has no IPv4: the LAN's DHCP did not answer it, the guest's "
       "netplan has no entry for it (a `mode=manual` network, or an instance older than its bridge: the "
       "network-config is re-rendered only on the next boot), or the host bridge does not hold the physical "
       "NIC. Since 1.15 the netplan entry uses `dhcp-identifier: mac`, which some routers need.",
       ROUTING,
       "multipass exec {instance} -- ip -br addr",
       "multipass exec {instance} -- sudo cat /etc/netplan/50-cloud-init.yaml",
       "multipass restart {instance}  # re-renders the network-config after a post-launch bridge"),
    _r("multipass.zone_subnet", "Give the zone a subnet nothing else uses",
       "Zone {zone}'s subnet {zone_subnet} collides with {collision}. Multipass chooses a zone's subnet once, "
       "when it writes the zone's file, and never checks it again: stop the zone's instances, delete the file "
       "so the daemon picks a free subnet when it restarts, or move the LAN or the VPN's split tunnel.",
       ROUTING,
       "multipass zones",
       "{zone_file}"),
]

# --- today's Multipass, the Linux host side (issue 11) ------------------------------------------
NFT_WIKI = "https://wiki.nftables.org/wiki-nftables/index.php/Configuring_chains"
SNAP_DEBUG = "https://snapcraft.io/docs/debug-snaps"
_ALL += [
    _r("linux.forward_nft", "Accept the bridge's traffic in the native nftables chain",
       "A native nftables chain ({where}) drops {bridge}'s forwarded traffic: iptables-save never shows it, so "
       "Multipass's own iptables ACCEPT rules do not help (netfilter runs every base chain on the hook, and one "
       "drop is final). Accept the bridge in that chain (and put it in the nftables configuration, e.g. "
       "/etc/nftables.conf, to survive a reboot).",
       NFT_WIKI,
       'sudo nft insert rule {family} {table} {chain} iifname "{bridge}" accept',
       'sudo nft insert rule {family} {table} {chain} oifname "{bridge}" ct state established,related accept'),
    _r("linux.firewall_dhcp_nft", "Let DHCP and DNS in on the bridge in the native nftables chain",
       "A native nftables chain ({where}) drops the instances' DHCP/DNS on {bridge} before Multipass's dnsmasq "
       "sees them; iptables-save does not show it. Accept them in that chain (and in the nftables "
       "configuration, e.g. /etc/nftables.conf).",
       NFT_WIKI,
       'sudo nft insert rule {family} {table} {chain} iifname "{bridge}" udp dport {{ 53, 67 }} accept',
       'sudo nft insert rule {family} {table} {chain} iifname "{bridge}" tcp dport 53 accept'),
    _r("windows.ics.name", "Make {instance}.mshome.net resolve to the instance again",
       "The Multipass client connects to {instance}.mshome.net port 22, which Internet Connection Sharing "
       "resolves from hosts.ics; {problem} Fix hosts.ics (one current line per instance; delete the file and "
       "reboot if it is corrupted), then restart ICS so it serves the name again.",
       WIN_ICS,
       "notepad C:\\Windows\\System32\\drivers\\etc\\hosts.ics  # as Administrator",
       "Restart-Service SharedAccess  # as Administrator",
       "Resolve-DnsName {instance}.mshome.net"),
    _r("linux.host_environment", "Run Multipass on a VM or bare metal, not {environment}",
       "{why} Multipass needs a host that can make its own bridge, run its dnsmasq and QEMU with KVM. Install "
       "it on bare metal or a VM with nested virtualization; on Windows, Multipass for Windows (Hyper-V) "
       "instead of inside WSL. Under WSL2, use NAT networking mode (mirrored networking breaks dnsmasq): "
       "`networkingMode=nat` under `[wsl2]` in %UserProfile%\\.wslconfig, then restart WSL.",
       LAUNCH_GUIDE,
       "wsl.exe --shutdown  # from Windows, after setting networkingMode=nat in .wslconfig",
       "systemd-detect-virt"),
    _r("linux.snap_apparmor", "AppArmor denies Multipass: refresh the snap, report the denial",
       "AppArmor denied Multipass's {profile} ({count} denial(s) in this boot's journal); a snap refresh "
       "reinstalls its profiles. If it persists, report the denial lines upstream (canonical/multipass on GitHub).",
       SNAP_DEBUG,
       "sudo snap refresh multipass",
       "sudo journalctl -b --no-pager _TRANSPORT=kernel + _TRANSPORT=audit | grep 'apparmor=\"DENIED\"' | grep multipass"),
]

REMEDIES: dict[str, Remedy] = {r.id: r for r in _ALL}


def remedy(remedy_id: str) -> Remedy:
    """The remedy of that ID (KeyError names it, so a typo fails loudly in the selftests)."""
    return REMEDIES[remedy_id]
