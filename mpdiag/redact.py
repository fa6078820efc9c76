"""Privacy: take user names, host names, home paths, LAN MACs and public IPs out of text.

Pure (no pytest, no I/O): a :class:`Redactor` is told this machine's user and host
name, learns more from the text it sees (`user@host` prompts, home paths, the USER
column of lsof, ipconfig's `Host Name`, scutil's names) and replaces every occurrence
with a stable placeholder: the same value gets the same placeholder for the life of
the redactor (one run), `<user-1>`, `<host-1>`, `<mac-1>`, `<public-ip-1>`.

What is kept, because it is not personal and the diagnosis needs it:

* Multipass's instance MACs (`52:54:00:…`, QEMU; `00:15:5d:…`, Hyper-V), broadcast
  and multicast MACs, the all-zero MAC;
* private and special addresses: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT),
  loopback, link-local, the TEST-NETs, 198.18/15, multicast, netmasks; anything
  Python's `ipaddress` does not call global; plus `keep_ips` (well-known public
  resolvers and the addresses the suite itself pings/asks);
* the default instance user `ubuntu`, `root` and system accounts (`_mdnsresponder`,
  `nobody`, `daemon`, …), Multipass's default instance name `primary`.

Two styles. ``label`` (reports) writes the placeholders above. ``parseable``
(replay bundles, so a redacted bundle still replays through the parsers) writes
syntactically valid stand-ins for the values parsers read: MACs become
locally-administered `02:00:00:00:NN:NN`, public IPv4s become TEST-NET-2
`198.51.100.N` (IPv6: `2001:db8::N`); user and host names use the labels in both.
DNS-answer probes (``ANSWER_PROBES``) keep their public IPs in bundles: they are the
addresses of the name the suite resolves, not the user's, and the DNS checks judge them.

>>> r = Redactor(users=["alice"], hosts=["alices-mbp"])
>>> r("alice@alices-mbp ~ % ls /Users/alice  # e0:d5:5e:64:b2:f8 via 81.2.69.160")
'<user-1>@<host-1> ~ % ls /Users/<user-1>  # <mac-1> via <public-ip-1>'
"""

from __future__ import annotations

import getpass
import html
import ipaddress
import re
import socket
from typing import Iterable

STYLES = ("label", "parseable")

#: well-known public resolvers: in outputs because the suite (or the guide) asks them
PUBLIC_RESOLVERS = ("1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9", "149.112.112.112",
                    "208.67.222.222", "208.67.220.220", "2606:4700:4700::1111", "2001:4860:4860::8888")

#: probes whose public addresses are DNS answers / the external target, kept in bundles
ANSWER_PROBES = frozenset({"dig_gateway", "dig_external", "resolve_name", "ping_external"})

#: accounts that are no person's name
SYSTEM_USERS = frozenset({
    "root", "ubuntu", "nobody", "daemon", "system", "admin", "administrator", "user", "guest",
    "shared", "public", "default", "default user", "all users", "defaultapppool", "multipass",
    "dnsmasq", "libvirt-dnsmasq", "systemd-resolve", "systemd-network", "messagebus", "www-data",
    "bin", "sys", "sync", "lxd", "snap_daemon", "network service", "local service",
})
#: host names that are no machine's identity
GENERIC_HOSTS = frozenset({"localhost", "primary", "ubuntu", "localhost.localdomain", "broadcasthost"})

# Kept MAC prefixes: QEMU (Multipass instances), Hyper-V (Windows instances and vEthernet).
KEPT_OUIS = ("52:54:00", "00:15:5d")

_MAC = re.compile(r"(?<![\w:.-])([0-9A-Fa-f]{1,2})([:-])([0-9A-Fa-f]{1,2})(?:\2([0-9A-Fa-f]{1,2})){4}(?![\w:-])")
_MAC_FULL = re.compile(r"(?<![\w:.-])[0-9A-Fa-f]{1,2}([:-])[0-9A-Fa-f]{1,2}(?:\1[0-9A-Fa-f]{1,2}){4}(?![\w:-])")
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![\w:])")
_PROMPT = re.compile(r"(?m)^[ \t]*[\[(]?(?P<user>[A-Za-z_][\w.-]{0,31})@(?P<host>[^\s:@\]~%$#>]{1,63})(?=[:\s\]~%$#>])")
_HOME = re.compile(r"(?P<pre>/Users/|/home/|(?i:[A-Z]:(?:\\\\|\\|/)Users(?:\\\\|\\|/)))(?P<name>[^/\\\s\"'<>:;,&]+)")
_LSOF_HEADER = re.compile(r"^\s*COMMAND\s+PID\s+(?:TID\s+)?USER\s+FD\b", re.M)
_LABELLED_HOST = re.compile(
    r"(?im)^\s*(?:Host Name(?:[ .])*|ComputerName|LocalHostName|HostName|Computer Name)\s*[:=]\s*"
    r"(?P<host>[A-Za-z0-9][\w.-]{0,62})\s*$")


def this_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name (containers without a passwd entry)
        return None


def this_host() -> str | None:
    try:
        return socket.gethostname() or None
    except OSError:
        return None


def _norm_mac(groups: Iterable[str]) -> str:
    return ":".join(f"{int(g, 16):02x}" for g in groups)


def _mac_octets(text: str) -> list[str]:
    return re.split(r"[:-]", text)


class Redactor:
    """Replaces personal values with stable placeholders; callable on text."""

    def __init__(self, users: Iterable[str | None] = (), hosts: Iterable[str | None] = (),
                 keep_ips: Iterable[str] = PUBLIC_RESOLVERS, style: str = "label", escape_html: bool = False,
                 learn: bool = True) -> None:
        if style not in STYLES:
            raise ValueError(f"style {style!r} is not one of {STYLES}")
        self.style = style
        self.escape_html = escape_html
        self.learn_from_text = learn
        self.keep_ips = {self._ip_key(ip) for ip in keep_ips if self._ip_key(ip)}
        self.placeholders: dict[tuple[str, str], str] = {}  # (kind, normalized value) -> placeholder
        self._counts: dict[str, int] = {}
        self.users: set[str] = set()
        self.hosts: set[str] = set()
        self._names_re: re.Pattern | None = None
        for u in users:
            self.add_user(u)
        for h in hosts:
            self.add_host(h)

    @classmethod
    def for_this_machine(cls, keep_ips: Iterable[str] = (), **kw) -> "Redactor":
        """Told this machine's user and host name; `keep_ips` adds to the public resolvers."""
        return cls(users=[this_user()], hosts=[this_host()], keep_ips=[*PUBLIC_RESOLVERS, *keep_ips], **kw)

    def sibling(self, **kw) -> "Redactor":
        """Another style/escaping sharing this one's placeholders and knowledge (same numbers)."""
        return _Shared(self, **kw)

    # --- what is personal -------------------------------------------------------------
    def add_user(self, name: str | None) -> None:
        if name and len(name) >= 2 and not name.startswith("_") and name.lower() not in SYSTEM_USERS \
                and not name.isdigit() and not name.startswith("<"):
            if name.lower() not in {u.lower() for u in self.users}:
                self.users.add(name)
                self._names_re = None

    def add_host(self, name: str | None) -> None:
        if not name or name.startswith("<"):
            return
        names = {name, name.split(".", 1)[0]}
        if name.lower().endswith(".local"):
            names.add(name[: -len(".local")])
        for n in names:
            if len(n) >= 2 and n.lower() not in GENERIC_HOSTS and not _IPV4.fullmatch(n) \
                    and n.lower() not in {h.lower() for h in self.hosts}:
                self.hosts.add(n)
                self._names_re = None

    def learn(self, text: str) -> None:
        """Find user and host names in `text`: prompts, home paths, lsof's USER, labelled host names."""
        for m in _PROMPT.finditer(text):
            user, host = m.group("user"), m.group("host")
            self.add_user(user)
            if user.lower() != "ubuntu":  # ubuntu@<instance>: an instance, not this machine
                self.add_host(host.rstrip("."))
        for m in _HOME.finditer(text):
            self.add_user(m.group("name"))
        for m in _LABELLED_HOST.finditer(text):
            self.add_host(m.group("host"))
        header = _LSOF_HEADER.search(text)
        if header:
            cols = text[header.start():].splitlines()[0].split()
            idx = cols.index("USER")
            for line in text[header.end():].splitlines()[1:]:
                parts = line.split()
                if len(parts) > idx + 2 and parts[1].isdigit():
                    self.add_user(parts[idx])

    # --- replacing -----------------------------------------------------------------------
    def __call__(self, text: str, probe: str | None = None) -> str:
        return self.redact(text, probe)

    def redact(self, text: str, probe: str | None = None) -> str:
        """`text` with every personal value replaced. `probe` names the probe the text
        came from (DNS answers keep their public addresses in the parseable style)."""
        if not text:
            return text
        if self.learn_from_text:
            self.learn(text)
        text = _HOME.sub(lambda m: m.group("pre") + self._label("user", m.group("name")), text)
        names = self._names()
        if names is not None:
            text = names.sub(self._name_sub, text)
        text = _MAC_FULL.sub(self._mac_sub, text)
        keep_public = self.style == "parseable" and probe in ANSWER_PROBES
        if not keep_public:
            text = _IPV4.sub(self._ip_sub, text)
            text = _IPV6.sub(self._ip_sub, text)
        return text

    def redact_bytes(self, data: bytes, probe: str | None = None) -> bytes:
        """Bytes as a command wrote them: UTF-8 stays byte for byte where nothing is
        personal; other encodings are decoded the robust way and written back as UTF-8."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from mpdiag.parse.text import decode  # pure, no pytest

            text = decode(data)
        return self.redact(text, probe).encode("utf-8")

    def _names(self) -> re.Pattern | None:
        if self._names_re is None:
            alts = sorted({*self.hosts, *self.users}, key=len, reverse=True)
            if not alts:
                return None
            self._kind = {**{u.lower(): "user" for u in self.users}, **{h.lower(): "host" for h in self.hosts}}
            self._names_re = re.compile(
                r"(?<![A-Za-z0-9<])(" + "|".join(re.escape(a) for a in alts) + r")(?![A-Za-z0-9>])", re.I)
        return self._names_re

    def _name_sub(self, m: re.Match) -> str:
        value = m.group(1)
        return self._label(self._kind[value.lower()], value)

    def _mac_sub(self, m: re.Match) -> str:
        octets = _mac_octets(m.group(0))
        norm = _norm_mac(octets)
        first = int(octets[0], 16)
        if norm.startswith(KEPT_OUIS) or norm in ("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00") or first & 1:
            return m.group(0)
        if self.style == "parseable":
            n = self._number("mac", norm)
            return f"02:00:00:00:{n // 256:02x}:{n % 256:02x}"
        return self._label("mac", norm)

    @staticmethod
    def _ip_key(text: str) -> str | None:
        try:
            return str(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            return None

    def _ip_sub(self, m: re.Match) -> str:
        raw = m.group(1)
        key = self._ip_key(raw)
        if key is None or key in self.keep_ips:
            return m.group(0)
        ip = ipaddress.ip_address(key)
        if not ip.is_global or ip.is_multicast or getattr(ip, "is_site_local", False):
            return m.group(0)
        if self.style == "parseable":
            n = self._number("public-ip", key)
            return f"198.51.100.{n % 254 + 1}" if ip.version == 4 else f"2001:db8::{n:x}"
        return m.group(0).replace(raw, self._label("public-ip", key))

    def _number(self, kind: str, value: str) -> int:
        key = (kind, value.lower())
        if key not in self.placeholders:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self.placeholders[key] = f"<{kind}-{self._counts[kind]}>"
        return int(self.placeholders[key].rsplit("-", 1)[1][:-1])

    def _label(self, kind: str, value: str) -> str:
        if value.startswith("<") and value.endswith(">"):
            return value
        self._number(kind, value)
        label = self.placeholders[(kind, value.lower())]
        return html.escape(label) if self.escape_html else label

    @property
    def mapping(self) -> dict[str, str]:
        """original (normalized) -> placeholder, for tests and for the curious."""
        return {v: p for (_, v), p in self.placeholders.items()}


class _Shared(Redactor):
    """A view of a Redactor with another style or escaping; placeholders and names shared."""

    def __init__(self, base: Redactor, **kw) -> None:  # noqa: D107 - internal
        self.__dict__["_base"] = base
        self.__dict__["_own"] = {k: v for k, v in kw.items() if k in ("style", "escape_html", "learn_from_text")}

    def __getattr__(self, name):
        own = self.__dict__["_own"]
        if name in own:
            return own[name]
        return getattr(self.__dict__["_base"], name)

    def __setattr__(self, name, value):
        if name in self.__dict__["_own"]:
            self.__dict__["_own"][name] = value
        else:
            setattr(self.__dict__["_base"], name, value)
