"""Port squatter: holds a port so the real server cannot bind it (faults *-squat).

Usage: squat.py NAME ADDR PORT READYFILE
Binds UDP (and TCP for port 53) on ADDR:PORT without SO_REUSEADDR, then swallows
every datagram without answering, so clients time out. It re-execs itself with
argv[0]=NAME and sets its comm to NAME, so `ss -p`, `ps` and psutil show a
telling name (e.g. dnscrypt-proxy, named, dhcpd). Stdlib only.
"""
import ctypes
import os
import socket
import sys


def main() -> None:
    name, addr, port, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if os.environ.get("MPLAB_SQUAT_EXEC") != "1":
        os.environ["MPLAB_SQUAT_EXEC"] = "1"
        os.execv(sys.executable, [name, os.path.abspath(__file__), *sys.argv[1:]])
    ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    keep = [udp]
    if port == 53:
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind((addr, port))
        tcp.listen(8)
        keep.append(tcp)
    with open(ready, "w") as f:
        f.write(f"{os.getpid()}\n")
    while True:
        udp.recvfrom(4096)


if __name__ == "__main__":
    main()
