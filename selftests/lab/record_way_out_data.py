"""Record the real outputs the way-out parser tests read (selftests/data/way_out/), from the lab:

    sudo flock /tmp/lab.lock python selftests/lab/record_way_out_data.py

s_client and DF-ping outputs from an instance namespace (healthy, mtu-blackhole with and
without the ICMP drop, tls-intercept, proxy-required, dns-stop), `ip -j link`, and the DHCP
captures (mpdiag.capture, the doctor's own code) around `multipass launch` healthy, under
dhcp-stop and under dhcp-rogue; then each capture as pcapng (`dhcp_capture_*_pcapng.json`,
the format Windows' `pktmon etl2pcap` writes), converted by Wireshark's editcap
(`apt-get install wireshark-common`; `--pcapng-only` converts the existing records without the lab).
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lab import Lab  # noqa: E402

OUT = ROOT / "selftests" / "data" / "way_out"
STATE = "/run/mp-lab-record"


def inst(lab: Lab, argv: list[str]) -> str:
    cp = lab.run_in("primary", ["sh", "-c", 'exec "$@" </dev/null 2>&1', "sh", *argv], timeout=20)
    return cp.stdout


def tls(lab: Lab) -> str:
    h = lab.state.image_host
    return inst(lab, ["timeout", "5", "openssl", "s_client", "-state", "-connect", f"{h}:443", "-servername", h])


def ping(lab: Lab, size: int) -> str:
    return inst(lab, ["ping", "-n", "-M", "do", "-s", str(size), "-c", "1", "-W", "1", lab.state.external_ip])


def capture_launch(lab: Lab, name: str) -> str:
    """The doctor's DhcpCapture around a stand-in launch, run inside mp-host."""
    code = ("import sys; from mpdiag.capture import DhcpCapture; import subprocess; "
            "c = DhcpCapture('linux').start(); "
            f"subprocess.run(['multipass', 'launch', '--name', '{name}', '--timeout', '2'], stdout=subprocess.DEVNULL); "
            "r = c.stop(); sys.stdout.write(r.stdout.decode())")
    env = {**lab.env(), "PYTHONPATH": str(ROOT)}
    cp = subprocess.run(["ip", "netns", "exec", lab.state.host_ns, sys.executable, "-c", code], env=env,
                        capture_output=True, text=True, timeout=60)
    subprocess.run(["ip", "netns", "exec", lab.state.host_ns, "multipass", "delete", "--purge", name], env=env,
                   capture_output=True)
    return cp.stdout


def pcapng_copies() -> None:
    """dhcp_capture_<x>.json -> dhcp_capture_<x>_pcapng.json: the same packets, `editcap -F pcapng`."""
    if shutil.which("editcap") is None:
        print("editcap is not installed (wireshark-common): no pcapng copies", file=sys.stderr)
        return
    for name in ("ok", "no_offer", "rogue"):
        rec = json.loads((OUT / f"dhcp_capture_{name}.json").read_text())
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp, "in.pcap"), Path(tmp, "out.pcapng")
            src.write_bytes(base64.b64decode(rec["pcap"]))
            subprocess.run(["editcap", "-F", "pcapng", str(src), str(dst)], check=True)
            rec["pcap"] = base64.b64encode(dst.read_bytes()).decode("ascii")
        (OUT / f"dhcp_capture_{name}_pcapng.json").write_text(json.dumps(rec))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["LAB_STATE"] = STATE
    lab = Lab(STATE)
    lab.up("linux", ["primary", "second"])
    try:
        w = lambda n, t: (OUT / n).write_text(t)  # noqa: E731
        w("s_client_ok.txt", tls(lab))
        w("ping_df_1472_ok.txt", ping(lab, 1472))
        w("ping_df_1600_local.txt", ping(lab, 1600))
        w("ip_link.json", lab.run_in("primary", ["ip", "-j", "link"]).stdout)
        w("dhcp_capture_ok.json", capture_launch(lab, "rec-ok"))
        lab.fault("mtu-blackhole")
        w("ping_df_1472_silent.txt", ping(lab, 1472))
        w("ping_df_1300_ok.txt", ping(lab, 1300))
        w("s_client_stalled.txt", tls(lab))
        lab.run_in("host", ["nft", "delete", "table", "inet", "mplab_pmtu"])  # the hop now says so
        w("ping_df_1472_frag_needed.txt", ping(lab, 1472))
        lab.heal()
        lab.fault("tls-intercept")
        w("s_client_intercepted.txt", tls(lab))
        lab.heal()
        lab.fault("proxy-required")
        w("s_client_no_tcp.txt", tls(lab))
        lab.heal()
        lab.fault("dns-stop")
        w("s_client_unresolved.txt", tls(lab))
        lab.heal()
        lab.fault("dhcp-stop")
        w("dhcp_capture_no_offer.json", capture_launch(lab, "rec-nooffer"))
        lab.heal()
        lab.fault("dhcp-rogue")
        w("dhcp_capture_rogue.json", capture_launch(lab, "rec-rogue"))
        w("rogue_server.txt", (lab.state.instances["second"].ip or "") + "\n")
        lab.heal()
    finally:
        lab.down()


if __name__ == "__main__":
    if sys.argv[1:] != ["--pcapng-only"]:
        main()
    pcapng_copies()
