"""`python -m lab up|down|status|fault|heal|env|faults`: the lab from a shell."""
from __future__ import annotations

import argparse
import shlex
import sys
import time

from .api import Lab, instance_names
from .faults import FAULTS
from .netns import LabError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lab", description="Multipass networking lab (network namespaces)")
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up", help="build the lab")
    u.add_argument("--layout", choices=["linux", "macos"], default="linux")
    u.add_argument("--instances", default="2", help="a count, or comma-separated names (default 2)")
    u.add_argument("--subnet", help="first three octets, e.g. 10.97.23")
    sub.add_parser("down", help="tear everything down")
    sub.add_parser("status", help="namespaces, addresses, processes, faults")
    f = sub.add_parser("fault", help="inject a fault")
    f.add_argument("name", choices=sorted(FAULTS))
    f.add_argument("arg", nargs="?")
    sub.add_parser("heal", help="revert all faults")
    sub.add_parser("env", help="print exports to use the multipass stand-in")
    sub.add_parser("faults", help="list faults")
    a = p.parse_args(argv)
    lab = Lab()
    try:
        if a.cmd == "up":
            spec = int(a.instances) if a.instances.isdigit() else a.instances.split(",")
            t = time.monotonic()
            st = lab.up(a.layout, instance_names(spec), a.subnet)
            print(f"lab up ({st.layout}) in {time.monotonic() - t:.2f}s: " +
                  ", ".join(f"{n}={i.ip}" for n, i in st.instances.items()))
        elif a.cmd == "down":
            lab.down()
            print("lab down")
        elif a.cmd == "status":
            print(lab.status())
        elif a.cmd == "fault":
            lab.fault(a.name, a.arg)
            print(f"fault {a.name} applied")
        elif a.cmd == "heal":
            lab.heal()
            print("healed")
        elif a.cmd == "env":
            st = lab.state
            print(f"export PATH={shlex.quote(st.bin_dir)}:$PATH")
            print(f"export LAB_STATE={shlex.quote(str(lab.state_dir.resolve()))}")
        elif a.cmd == "faults":
            for n, fl in FAULTS.items():
                print(f"{n:15} [{'/'.join(fl.layouts)}] {fl.doc}" + (f" (arg: {fl.arg})" if fl.arg else ""))
    except LabError as e:
        print(f"lab: error: {e}", file=sys.stderr)
        return 1
    return 0
