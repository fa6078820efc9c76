"""A real OpenSSH server (Debian's openssh-server) inside a lab namespace, for the remote-host
tests (`pytest --hosts ssh://...`): keys generated here, config in a temp dir, stopped by PID.

Nothing outside the temp dir is configured: `sshd -D -e -f <dir>/sshd_config` listens on a
lab-namespace address only, its host key and the authorized client key live in <dir>, and
`SetEnv` gives every session what the lab's host needs (the Multipass stand-in first on
PATH, LAB_STATE, MPDIAG_MULTIPASS_DATA). The only path outside <dir> is Debian's
privilege-separation directory `/run/sshd`, compiled into sshd: created when missing and
removed again when this helper created it. The client side is an ssh_config file (`ssh -F`)
naming the key and a known_hosts file that holds exactly the host keys made here
(StrictHostKeyChecking yes), so no prompt, no ~/.ssh.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

from .netns import LabError, kill_pid, pid_alive, run, spawn, wait_for

SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = Path("/run/sshd")


def keygen(path: Path, comment: str) -> str:
    """A new ed25519 key pair at path (no passphrase); returns the public key line."""
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return Path(f"{path}.pub").read_text().strip()


class Sshd:
    """One sshd in namespace `ns` on `address`:`port`, its files under `workdir`."""

    def __init__(self, name: str, ns: str, address: str, workdir: Path, env: Mapping[str, str],
                 port: int = 22) -> None:
        self.name, self.ns, self.address, self.port = name, ns, address, port
        self.dir = Path(workdir) / name
        # HOME: the session's shell reads no dotfiles of the machine's root (bash sources
        # ~/.bashrc for ssh commands), so the lab host's environment is exactly `env`
        self.env = {"HOME": str(self.dir), **env}
        self.proc: subprocess.Popen | None = None
        self.made_privsep = False

    @property
    def host_key(self) -> Path:
        return self.dir / "host_ed25519"

    def config(self, authorized: str) -> Path:
        """sshd_config: key login as root only (any other user: `Permission denied`), the lab's
        environment for every session."""
        for k, v in self.env.items():
            if any(c in v for c in ' "\n') or not k.isidentifier():
                raise LabError(f"sshd SetEnv {k}={v!r}: no spaces or quotes")
        (self.dir / "authorized_keys").write_text(authorized + "\n")
        lines = [f"ListenAddress {self.address}", f"Port {self.port}", f"HostKey {self.host_key}",
                 f"AuthorizedKeysFile {self.dir / 'authorized_keys'}", "PidFile none", "UsePAM no",
                 "PermitRootLogin prohibit-password", "AllowUsers root", "PasswordAuthentication no",
                 "KbdInteractiveAuthentication no", "StrictModes no", "PrintMotd no", "PrintLastLog no",
                 "X11Forwarding no", "AllowTcpForwarding no", "MaxStartups 64:30:128", "LogLevel ERROR",
                 "SetEnv " + " ".join(f"{k}={v}" for k, v in self.env.items())]
        path = self.dir / "sshd_config"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, authorized: str, timeout: float = 5.0) -> str:
        """Keys, config, `sshd -D`; waits until it accepts; returns the known_hosts line."""
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        public = keygen(self.host_key, f"lab-{self.name}")
        cfg = self.config(authorized)
        if not PRIVSEP_DIR.is_dir():
            PRIVSEP_DIR.mkdir(mode=0o755)
            self.made_privsep = True
        run(["ip", "netns", "exec", self.ns, SSHD, "-t", "-f", str(cfg)])  # config errors said up front
        self.proc = spawn(self.ns, [SSHD, "-D", "-e", "-f", str(cfg)], self.dir / "sshd.log")
        if not wait_for(self._listening, timeout, 0.02):
            log = (self.dir / "sshd.log").read_text(errors="replace")[-500:]
            self.stop()
            raise LabError(f"sshd {self.name} in {self.ns} did not listen on {self.address}:{self.port}: {log}")
        key = " ".join(public.split()[:2])
        host = self.address if self.port == 22 else f"[{self.address}]:{self.port}"
        return f"{host} {key}"

    def _listening(self) -> bool:
        if self.proc is None or not pid_alive(self.proc.pid):
            return True  # died: stop waiting (start() reports it)
        out = run(["ip", "netns", "exec", self.ns, "ss", "-H", "-tln", f"sport = :{self.port}"], check=False).stdout
        return f"{self.address}:{self.port}" in out

    def stop(self) -> None:
        """SIGTERM (then SIGKILL) the sshd by its PID; sessions die with their listener's children."""
        if self.proc is not None:
            sessions = children(self.proc.pid)  # one sshd per connection, forked by the listener
            kill_pid(self.proc.pid)
            self.proc.wait(timeout=5)
            for pid in sessions:
                kill_pid(pid)
            self.proc = None
        if self.made_privsep:
            try:
                PRIVSEP_DIR.rmdir()
            except OSError:
                pass  # another sshd of ours still uses it: the last stop removes it
            self.made_privsep = False


def children(pid: int) -> list[int]:
    """The PIDs whose parent is `pid` (/proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            out.append(int(stat.parent.name))
    return out


def client_config(path: Path, key: Path, known_hosts: Sequence[str], connect_timeout: int = 3,
                  aliases: Mapping[str, tuple[str, Path]] | None = None) -> Path:
    """An ssh_config for `ssh -F`: our key only, our known_hosts only, strict checking.
    `aliases`: name -> (address, key), a `Host name` that reaches address with that key only
    (IdentityFile adds up over the blocks that match: ours is for the other names)."""
    kh = path.with_name("known_hosts")
    kh.write_text("\n".join(known_hosts) + "\n")
    aliases = aliases or {}
    blocks = [line for name, (address, other) in aliases.items()
              for line in (f"Host {name}", f"  HostName {address}", f"  IdentityFile {other}")]
    path.write_text("\n".join([
        *blocks, " ".join(["Host *", *(f"!{name}" for name in aliases)]), f"  IdentityFile {key}",
        "Host *", "  IdentitiesOnly yes", f"  UserKnownHostsFile {kh}",
        "  GlobalKnownHostsFile /dev/null", "  StrictHostKeyChecking yes", "  UpdateHostKeys no",
        f"  ConnectTimeout {connect_timeout}", ""]))
    os.chmod(path, 0o600)
    return path

