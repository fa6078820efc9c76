"""The DHCP exchange of a launched instance, captured on the host's bridge while it boots
(--launch, root): the maintainers' own advice for "timed out waiting for response"."""

import pytest

from mpdiag.host.rules import dhcp
from mpdiag.parse.unavailable import Absent

ID = "instance.launch.dhcp_exchange"


@pytest.mark.launches
@pytest.mark.check(ID)
def test_dhcp_exchange_completes(check):
    target = check.launched_target(": the exchange is captured while the suite's own instance boots")
    capture = check.probe("dhcp_capture")  # needs root: skips when `sudo -n` asked for a password
    if isinstance(capture, Absent):
        check.skip(f"no capture: {capture.why}")
    ex = dhcp.classify(capture, capture.address)
    seen = (f"on {capture.interface} ({capture.packets} DHCP packets): {ex.describe()}")
    facts = {"instance": target.name, "bridge": capture.interface, "gateway": capture.address}
    windows = capture.interface.startswith("vEthernet (")  # pktmon on the Default Switch: ICS, not dnsmasq/bootpd
    if ex.verdict == dhcp.COMPLETE:
        return
    if ex.verdict == dhcp.NO_DISCOVER:
        check.fail(f"no DISCOVER {seen}: {target.name} never asked for an address on the bridge (it did not boot, "
                   "or its NIC is not on this bridge)", "instance.dhcp.no_discover", **facts)
    if ex.verdict == dhcp.NO_OFFER:
        check.fail(f"DISCOVER without OFFER {seen}: {target.name} ({ex.client}) asked {ex.count('DISCOVER')} "
                   f"time(s) and no DHCP server answered on {capture.interface}",
                   "instance.dhcp.no_offer_windows" if windows else "instance.dhcp.no_offer", **facts)
    if ex.verdict == dhcp.ROGUE_OFFER:
        rogue = ", ".join(dhcp.rogue_servers(ex))
        macs = ", ".join(dict.fromkeys(m.src_mac for m in ex.rogue if m.src_mac))
        check.fail(f"OFFER from {rogue} {seen}: not the bridge's own address {capture.address}; another DHCP "
                   f"server on the subnet (MAC {macs or 'unknown'}) answers the instances",
                   "instance.dhcp.rogue_windows" if windows else "instance.dhcp.rogue", rogue=rogue, **facts)
    check.fail(f"no ACK {seen}: the offer was requested but never acknowledged"
               f"{' (NAK)' if ex.count('NAK') else ''}", "instance.dhcp.no_ack", **facts)
