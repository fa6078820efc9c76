"""The image-server check on Linux, replayed from bundles in the real formats: `find` failing
with the daemon's words, the proxy the snap's daemon has, and proxies where it does not look
(the user's shell, /etc/environment, https_proxy only). macOS and Windows: scenarios/*/way-out-*."""

from __future__ import annotations

import pytest

from selftests.test_linux_checks import run

ID = "linux.multipass.image_servers"
FIND_FAILED = ("", 2, 'find failed: Remote "" is unknown or unreachable.\n', ["multipass", "find", "--format", "json"])
PROXY = "http://proxy.corp.example:3128"


def test_find_fails_and_the_proxy_is_only_in_the_shell(tmp_path):
    r, got = run(tmp_path, multipass_find=FIND_FAILED, shell_proxy_env=f'{{"http_proxy": "{PROXY}"}}',
                 etc_environment=f'http_proxy="{PROXY}"\n')
    assert got[ID] == "failed"
    msg = r.check(ID)["message"]
    assert 'Remote "" is unknown or unreachable' in msg and "the daemon uses no proxy" in msg
    assert "your shell's environment" in msg and "/etc/environment" in msg
    assert "sudo snap set multipass proxy.http=http://<host>:<port>" in msg
    assert r.check(ID)["remedy"]["id"] == "linux.multipass_proxy"


def test_find_works_but_the_daemon_has_https_proxy_only_warns(tmp_path):
    r, got = run(tmp_path, multipassd_environ=f"https_proxy={PROXY}\n")
    assert got[ID] == "warned"
    assert "which it never reads (only http_proxy)" in r.check(ID)["message"]


def test_the_daemon_has_the_proxy_and_find_works(tmp_path):
    r, got = run(tmp_path, multipassd_environ=f"http_proxy={PROXY}\nhttps_proxy={PROXY}\n",
                 shell_proxy_env=f'{{"http_proxy": "{PROXY}"}}')
    assert got[ID] == "passed"


def test_no_daemon_process_falls_back_to_the_snap_options(tmp_path):
    snap = '{\n\t"proxy": {\n\t\t"http": "http://10.0.0.1"\n\t}\n}\n'
    r, got = run(tmp_path, multipassd_environ="no multipassd process\n", snap_proxy=snap, multipass_find=FIND_FAILED)
    assert got[ID] == "failed"
    msg = r.check(ID)["message"]
    assert "http_proxy=http://10.0.0.1 (the snap's options" in msg and "port 65535" in msg


@pytest.mark.parametrize("value", ["bad host", "cloud-images.ubuntu.com:0", "x:99999", "under_score.org", "h:port"])
def test_external_https_must_be_host_port(tmp_path, value):
    from selftests.suite import run_suite

    r = run_suite("--replay", "scenarios/macos/way-out-healthy", "--external-https", value, "--co", reports=tmp_path)
    assert r.rc == 4 and "--external-https" in r.stderr and "is not HOST[:PORT]" in r.stderr, r.stderr[-500:]


def test_external_https_default_port(tmp_path):
    from fixtures.options import host_port

    assert host_port("images.example.org") == "images.example.org:443"
    assert host_port("10.0.0.5:8443") == "10.0.0.5:8443"
