"""The lab's way out, observed for real: HTTPS with the lab's own CA, the proxy, the
path-MTU black hole, TLS inspection, a proxy-only network and the stand-in's `find`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lab.testing import unavailable_reason  # noqa: E402

if (_why := unavailable_reason()) is not None:
    pytest.skip(_why, allow_module_level=True)

pytestmark = pytest.mark.lab


@pytest.fixture
def lab(linux_lab):
    yield linux_lab
    linux_lab.heal()


def s_client(lab, where: str = "primary") -> subprocess.CompletedProcess[str]:
    host = lab.state.image_host
    return lab.run_in(where, ["timeout", "3", "openssl", "s_client", "-state", "-connect", f"{host}:443",
                              "-servername", host], input="")


def df_ping(lab, size: int) -> bool:
    cp = lab.run_in("primary", ["ping", "-n", "-M", "do", "-s", str(size), "-c", "1", "-W", "1",
                                lab.state.external_ip])
    return cp.returncode == 0


def find(lab) -> subprocess.CompletedProcess[str]:
    env = lab.env()
    return subprocess.run(["ip", "netns", "exec", lab.state.host_ns, "env", f"PATH={env['PATH']}",
                           f"LAB_STATE={env['LAB_STATE']}", "multipass", "find", "--format", "json"],
                          capture_output=True, text=True, timeout=20)


def test_https_with_the_lab_ca_and_find(lab):
    cp = s_client(lab)
    assert "Verify return code: 0 (ok)" in cp.stdout, cp.stdout + cp.stderr
    assert "MP Lab Public Root CA" in cp.stdout
    out = find(lab)
    assert out.returncode == 0, out.stderr
    images = json.loads(out.stdout)["images"]
    assert images["24.04"]["aliases"] == ["noble", "lts"] and images["24.04"]["remote"] == ""


def test_mtu_blackhole_drops_full_size_df_packets_silently(lab):
    assert df_ping(lab, 1472)
    lab.fault("mtu-blackhole")
    assert not df_ping(lab, 1472) and not df_ping(lab, 1400)
    assert df_ping(lab, 1300)
    cp = s_client(lab)
    assert cp.returncode == 124 and "write client hello" in cp.stderr and "read server hello" not in cp.stderr


def test_tls_intercept_presents_another_ca(lab):
    lab.fault("tls-intercept")
    cp = s_client(lab)
    assert "Contoso SecureWeb TLS Inspection CA" in cp.stdout
    assert "Verify return code: 19 (self-signed certificate in certificate chain)" in cp.stdout
    assert find(lab).returncode == 0  # the host's own traffic is not intercepted


def test_proxy_required_only_the_proxy_passes(lab):
    lab.fault("proxy-required")
    cp = s_client(lab)
    assert cp.returncode == 124 and "write client hello" not in cp.stderr  # no TCP connection at all
    out = find(lab)
    assert out.returncode == 2 and out.stderr == 'find failed: Remote "" is unknown or unreachable.\n'
    proxy = f"http://{lab.state.proxy_ip}:{lab.state.proxy_port}"
    lab.set_daemon_proxy({"https_proxy": proxy})  # the daemon never reads https_proxy
    assert find(lab).returncode == 2
    lab.set_daemon_proxy({"http_proxy": proxy})
    assert find(lab).returncode == 0
    log = (lab.state.root / "logs" / "tinyproxy.log").read_text()
    assert "CONNECT" in log
