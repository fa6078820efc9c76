"""Network routing problems: can the host reach the instance (shell), can it reach its gateway?"""

import pytest

from fixtures.target import gateway_note


@pytest.mark.check("instance.shell.reachable")
def test_shell_reaches_prompt(check, instance):
    instance.require_running()
    session = check.probe("shell_session", instance.name)
    if session["reached_prompt"]:
        return
    lines = [ln.strip() for ln in session.get("transcript", "").splitlines() if ln.strip()]
    said = " / ".join(lines[-3:]) or "no output"
    how = "`multipass exec NAME -- true`" if session.get("method") == "exec" else f"`multipass shell {instance.name}`"
    found = f"{how} did not reach the prompt within the probe timeout: {said}"
    if "No route to host" in said and check.platform == "macos":
        found += (" (macOS 15+: if `sudo multipass shell` works, allow your terminal under Privacy & Security"
                  " > Local Network)")
    check.fail(found, **instance.facts())


@pytest.mark.check("instance.net.ping_gateway")
def test_pings_its_gateway(check, instance):
    instance.require_running()
    gateway = instance.gateway()
    if gateway is None:
        check.fail(f"{instance.name} has no default route (`ip route` shows none): DHCP gave it no router",
                   **instance.facts())
    result = instance.probe("ping_gateway", ip=gateway)
    if not result.ok:
        check.fail(f"{instance.name} cannot ping its gateway {gateway}: {result.summary()}"
                   f"{gateway_note(check, gateway)}", **instance.facts())
