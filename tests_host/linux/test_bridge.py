"""The Multipass bridge: mpqemubr0 (HEAD: mpqemubr<zone>) exists, is up, has its gateway."""

import pytest


@pytest.mark.check("linux.bridge.up")
def test_bridge_up_with_gateway(check, bridges):
    problems = []
    for b in bridges:
        if b.link is None:
            problems.append(f"no {b.name} link exists (multipass_subnet says {b.subnet}; "
                            f"expected {b.gateway} on it)")
        elif not b.link.up:
            addr = f" ({b.gateway})" if b.gateway else ""
            problems.append(f"{b.name}{addr} is DOWN (flags {','.join(b.link.flags) or 'none'})")
        elif b.gateway is None or b.source == "multipass_subnet":
            want = f" (multipass_subnet says {b.gateway})" if b.gateway else ""
            problems.append(f"{b.name} is up but has no IPv4 gateway address{want}")
    if problems:
        check.fail("; ".join(problems), bridge=bridges[0].name)
