"""macOS 15+ Local Network privacy: the terminal app may not reach the instance
(`ssh connection failed: 'Failed to connect: No route to host'`) while root can."""

import pytest

NO_ROUTE = "No route to host"


@pytest.mark.check("macos.privacy.local_network")
def test_terminal_may_reach_instance(check, mac):
    mac.require_vmnet()
    macos = check.probe("sw_vers")
    if macos.major < 15:
        check.skip(f"{macos.product_name} {macos.version}: Local Network privacy exists from macOS 15 on")
    inst = mac.require_running("the user's ping to it is the test")[0]
    ip = inst.ipv4[0]
    user = check.probe("ping_instance_user", ip=ip)
    if user.ok:
        return
    if NO_ROUTE not in (user.error or ""):  # stdout's and stderr's words (the probe's reader)
        check.skip(f"{inst.name} ({ip}) does not answer the user's ping, but not with \"{NO_ROUTE}\": not the "
                   "Local Network privacy signature (see the routing checks)")
    root = check.probe("ping_instance_root", ip=ip)
    if not root.ok:
        check.skip(f"{inst.name} ({ip}) does not answer root's ping either: not a privacy matter "
                   "(see the routing checks)")
    check.fail(f"ping {ip} ({inst.name}) as the user fails with \"{NO_ROUTE}\" while `sudo ping` gets "
               f"{root.received}/{root.transmitted} replies: macOS {macos.version} denies this terminal app "
               "Local Network access", instance=inst.name)
