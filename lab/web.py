"""The fake internet's web side: a test PKI, an HTTPS image server, a real HTTP proxy
(tinyproxy), a TLS interceptor, the instances' trust store and the daemon's environment.

- PKI (made at `up`, in $LAB_STATE/pki): "MP Lab Public Root CA" stands for the public
  CAs an Ubuntu image trusts; it signs the image server's certificate (RSA 2048, sent with
  the root, so the server's first flight is larger than one 1400-byte packet and a
  path-MTU black hole really stalls the handshake). "Contoso SecureWeb TLS Inspection CA"
  is the security product's CA: it signs the interceptor's certificate.
- Trust store: each instance gets /etc/netns/<ns>/ssl (bind-mounted over /etc/ssl by
  `ip netns exec`) whose ca-certificates.crt holds the lab's public root only, as an
  image's ca-certificates package holds the real roots.
- The image server (lab/https_server.py, in mp-net on image_ip:443) serves a small
  simplestreams-like index; tinyproxy (mp-net, proxy_ip:3128) is the corporate proxy.
- `multipassd` (lab/daemon.py, mp-host) is a sleeping process whose environment is the
  daemon's environment: the stand-in's `find` reads its http_proxy from there, and the
  Linux check reads /proc/<pid>/environ like on a real host.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .netns import LabError, kill_pid, nsx, pid_alive, run, spawn, wait_for
from .services import start_daemon, stop
from .state import LabState, read_pid, record_pid

LAB_DIR = Path(__file__).resolve().parent
HTTPS_SERVER = LAB_DIR / "https_server.py"
DAEMON = LAB_DIR / "daemon.py"
INTERCEPT_PORT = 8443
PUBLIC_CA = "MP Lab Public Root CA"
INSPECTION_CA = "Contoso SecureWeb TLS Inspection CA"
RELEASES = [  # what the lab's image index offers (simplestreams-like)
    {"release": "24.04", "codename": "noble", "title": "24.04 LTS", "version": "20260512", "aliases": ["noble", "lts"]},
    {"release": "22.04", "codename": "jammy", "title": "22.04 LTS", "version": "20260508", "aliases": ["jammy"]},
]


# ---- PKI ------------------------------------------------------------------------------------------

def _openssl(*args: str) -> None:
    run(["openssl", *args])


def _ca(pki: Path, name: str, cn: str, key_args: list[str]) -> None:
    _openssl("req", "-x509", "-new", "-nodes", "-newkey", *key_args, "-keyout", str(pki / f"{name}.key"),
             "-out", str(pki / f"{name}.crt"), "-days", "30", "-subj", f"/O=MP Lab/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def _leaf(pki: Path, name: str, ca: str, host: str, ip: str, key_args: list[str]) -> None:
    ext = pki / f"{name}.ext"
    ext.write_text(f"subjectAltName=DNS:{host},IP:{ip}\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    _openssl("req", "-new", "-nodes", "-newkey", *key_args, "-keyout", str(pki / f"{name}.key"),
             "-out", str(pki / f"{name}.csr"), "-subj", f"/CN={host}")
    _openssl("x509", "-req", "-in", str(pki / f"{name}.csr"), "-CA", str(pki / f"{ca}.crt"),
             "-CAkey", str(pki / f"{ca}.key"), "-CAcreateserial", "-days", "30", "-extfile", str(ext),
             "-out", str(pki / f"{name}.leaf.crt"))
    # the chain as servers send it: leaf, then the CA
    (pki / f"{name}.crt").write_text((pki / f"{name}.leaf.crt").read_text() + (pki / f"{ca}.crt").read_text())


def make_pki(st: LabState) -> None:
    """The lab's CAs and server certificates (fresh per `up`, never reused)."""
    pki = st.path("pki")
    pki.mkdir(parents=True, exist_ok=True)
    rsa = ["rsa:2048"]
    ec = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    _ca(pki, "public-ca", PUBLIC_CA, rsa)
    _leaf(pki, "image-server", "public-ca", st.image_host, st.image_ip, rsa)
    _ca(pki, "inspection-ca", INSPECTION_CA, ec)
    _leaf(pki, "interceptor", "inspection-ca", st.image_host, st.image_ip, ec)


def install_trust_store(st: LabState, ns: str) -> None:
    """/etc/netns/<ns>/ssl: the host's openssl.cnf and the lab's public root as the only CA."""
    ssl_dir = Path("/etc/netns") / ns / "ssl"
    (ssl_dir / "certs").mkdir(parents=True, exist_ok=True)
    if Path("/etc/ssl/openssl.cnf").is_file():
        shutil.copy("/etc/ssl/openssl.cnf", ssl_dir / "openssl.cnf")
    shutil.copy(st.path("pki", "public-ca.crt"), ssl_dir / "certs" / "ca-certificates.crt")


# ---- the image index ------------------------------------------------------------------------------

def write_index(st: LabState) -> None:
    """/releases/streams/v1/index.json and the products file it names (simplestreams' shape)."""
    v1 = st.path("www", "releases", "streams", "v1")
    v1.mkdir(parents=True, exist_ok=True)
    products_path = "streams/v1/com.ubuntu.cloud:released:download.json"
    products = {f"com.ubuntu.cloud:server:{r['release']}:amd64": {
        "aliases": ",".join([r["release"], *r["aliases"]]), "arch": "amd64", "os": "ubuntu",
        "release": r["codename"], "release_title": r["title"], "version": r["release"],
        "versions": {r["version"]: {"items": {"disk1.img": {"ftype": "disk1.img", "path": f"server/releases/"
                                                           f"{r['codename']}/release-{r['version']}/disk1.img",
                                                           "size": 612368384}}}}} for r in RELEASES}
    index = {"format": "index:1.0", "index": {"com.ubuntu.cloud:released:download": {
        "datatype": "image-downloads", "format": "products:1.0", "path": products_path,
        "products": sorted(products)}}}
    (v1 / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    (v1 / "com.ubuntu.cloud:released:download.json").write_text(
        json.dumps({"format": "products:1.0", "content_id": "com.ubuntu.cloud:released:download",
                    "products": products}, indent=1) + "\n")


# ---- servers ---------------------------------------------------------------------------------------

def start_image_server(st: LabState) -> int:
    ready = st.path("run", "image-server.ready")
    return start_daemon(st, "image-server", st.net_ns,
                        [sys.executable, str(HTTPS_SERVER), str(st.path("pki", "image-server.crt")),
                         str(st.path("pki", "image-server.key")), st.image_ip, "443", str(st.path("www")),
                         str(ready)], ready)


def start_interceptor(st: LabState) -> int:
    """The security product's TLS proxy, in mp-host on the gateway (instances are DNATed to it)."""
    ready = st.path("run", "interceptor.ready")
    return start_daemon(st, "interceptor", st.host_ns,
                        [sys.executable, str(HTTPS_SERVER), str(st.path("pki", "interceptor.crt")),
                         str(st.path("pki", "interceptor.key")), st.gateway, str(INTERCEPT_PORT),
                         str(st.path("www")), str(ready)], ready)


def start_proxy(st: LabState) -> int:
    """tinyproxy in mp-net, foreground (-d), CONNECT to 443 allowed, ready once it listens."""
    conf = st.path("conf", "tinyproxy.conf")
    conf.write_text("\n".join([
        "User nobody", "Group nogroup", f"Port {st.proxy_port}", f"Listen {st.proxy_ip}", "Timeout 30",
        f"LogFile \"{st.path('logs', 'tinyproxy.log')}\"", "LogLevel Info", "MaxClients 20",
        "Allow 0.0.0.0/0", "ConnectPort 443", "DisableViaHeader Yes", ""]))
    st.path("logs", "tinyproxy.log").touch()
    shutil.chown(st.path("logs", "tinyproxy.log"), "nobody")

    def listening() -> bool:
        out = nsx(st.net_ns, ["ss", "-Hltn", f"sport = :{st.proxy_port}"], check=False).stdout
        return st.proxy_ip in out

    # tinyproxy writes no pid file in the foreground: wait for its socket instead
    stop(st, "tinyproxy")
    p = spawn(st.net_ns, ["tinyproxy", "-d", "-c", str(conf)], st.path("logs", "tinyproxy.out"))
    if not wait_for(lambda: listening() or p.poll() is not None, 5.0) or p.poll() is not None:
        kill_pid(p.pid)
        raise LabError(f"tinyproxy failed to start in {st.net_ns}: see {st.path('logs', 'tinyproxy.out')}")
    record_pid(st.root, "tinyproxy", p.pid)
    return p.pid


def start_daemon_env(st: LabState) -> int:
    """(Re)start the `multipassd` process with the daemon's proxy environment (as a snap
    `proxy.http` change or a launchd reload restarts the real daemon)."""
    ready = st.path("run", "multipassd.ready")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **st.daemon_env}
    argv = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), sys.executable, str(DAEMON), str(ready)]
    return start_daemon(st, "multipassd", st.host_ns, argv, ready)


def daemon_environment(st: LabState) -> dict[str, str]:
    """The running `multipassd`'s environment, read from /proc (what the real daemon has)."""
    pid = read_pid(st.root, "multipassd")
    if not pid_alive(pid):
        return {}
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(e.split("=", 1) for e in raw.decode(errors="replace").split("\0") if "=" in e)


def start_all(st: LabState) -> None:
    # mp-net's own resolver is its DNS server (tinyproxy resolves names; never the real resolver)
    etc = Path("/etc/netns") / st.net_ns
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "resolv.conf").write_text(f"nameserver {st.external_dns}\n")
    # real 1500-byte frames on the uplink (no TSO super-packets), so a smaller hop drops them
    run(["ip", "-n", st.net_ns, "link", "set", "up0", "gso_max_segs", "1"])
    make_pki(st)
    write_index(st)
    for a in (st.image_ip, st.proxy_ip):
        run(["ip", "-n", st.net_ns, "addr", "add", f"{a}/32", "dev", "lo"])
    start_image_server(st)
    start_proxy(st)
    start_daemon_env(st)

