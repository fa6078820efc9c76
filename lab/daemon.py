"""The lab's `multipassd` process: it only sleeps. Its environment is the daemon's
environment (where a proxy set for the daemon ends up), read by the stand-in's `find`
and by the doctor from /proc/<pid>/environ, as on a real Linux host.

Usage: daemon.py READYFILE (re-execs itself as `multipassd`).
"""
import ctypes
import os
import signal
import sys


def main() -> None:
    if os.environ.get("MPLAB_DAEMON_EXEC") != "1":
        os.environ["MPLAB_DAEMON_EXEC"] = "1"
        os.execv(sys.executable, ["multipassd", os.path.abspath(__file__), *sys.argv[1:]])
    os.environ.pop("MPLAB_DAEMON_EXEC", None)
    ctypes.CDLL(None).prctl(15, b"multipassd", 0, 0, 0)  # PR_SET_NAME: pidof multipassd finds it
    with open(sys.argv[1], "w") as f:
        f.write(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
