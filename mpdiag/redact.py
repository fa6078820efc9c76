"""Privacy: take what identifies a person or a machine out of every artefact meant to be shared.

A :class:`Redactor` is told this machine's identifiers (:func:`machine_identifiers`:
user name, host and computer name, the home directory's name, on macOS the serial
number and hardware UUID from ``ioreg``) and learns more from the text it sees (shell
prompts ``user@host`` anywhere a prompt can stand, home paths ``/Users/x``, ``/home/x``,
``C:\\Users\\First Last``, the USER column of lsof, labelled host names (ipconfig's
``Host Name``, scutil's names), Windows' default names ``DESKTOP-XXXXXXX``, ``.local``
names, the host's own ``*.mshome.net`` entry in hosts.ics, serial numbers and hardware
UUIDs by their labels). Every occurrence is replaced with a stable placeholder: the same
value gets the same placeholder for the life of the redactor (one run), ``<user-1>``,
``<host-1>``, ``<serial-1>``, ``<email-1>``, ``<ssid-1>``, ``<mac-1>``, ``<public-ip-1>``.
E-mail addresses are replaced where they stand; Wi-Fi network names (SSIDs) where a tool
labels them (``SSID :``, ``Current Wi-Fi Network:``, ``ESSID:"..."``), not everywhere,
since an SSID is often a common word.

What is kept, because it is not personal and the diagnosis needs it:

* Multipass's instance MACs (`52:54:00:…`, QEMU; `00:15:5d:…`, Hyper-V), broadcast
  and multicast MACs, the all-zero MAC, and the bundles' own stand-ins `02:00:00:00:…`;
* private and special addresses: 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT),
  loopback, link-local, the TEST-NETs, 198.18/15, multicast, netmasks; anything
  Python's `ipaddress` does not call global; plus `keep_ips` (well-known public
  resolvers and the addresses the suite itself pings/asks);
* the default instance user `ubuntu`, `root` and system accounts (`_mdnsresponder`,
  `nobody`, `daemon`, …), generic host names (`localhost`, `primary`, `vm`…), instance
  names in `*.mshome.net` other than the host's own, names shorter than 3 characters.

Two styles. ``label`` (reports) writes the placeholders above. ``parseable``
(replay bundles, so a redacted bundle still replays through the parsers) writes
syntactically valid stand-ins for the values parsers read: MACs become
locally-administered `02:00:00:00:NN:NN`, public IPv4s become TEST-NET-2
`198.51.100.N` (IPv6: `2001:db8::N`); names use the labels in both.
DNS-answer probes (``ANSWER_PROBES``) keep their public IPs in bundles: they are the
addresses of the name the suite resolves, not the user's, and the DNS checks judge them.

:func:`for_run` makes the one redactor of a run; its :meth:`Redactor.text` and
:meth:`Redactor.json` (every string of a JSON document, learned from first) are what the
report writers call. A disabled one (``--no-redact``) returns what it is given.

Longer than ~300 lines on purpose: every rule about what is personal lives here, in one
place, so each artefact is redacted the same way.

>>> r = Redactor(users=["alice"], hosts=["alices-mbp"])
>>> r("alice@alices-mbp ~ % ls /Users/alice  # e0:d5:5e:64:b2:f8 via 81.2.69.160")
'<user-1>@<host-1> ~ % ls /Users/<user-1>  # <mac-1> via <public-ip-1>'
"""

from __future__ import annotations

import getpass
import html
import ipaddress
import os
import re
import shutil
import socket
import sys
from pathlib import Path
from typing import Any, Iterable

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
GENERIC_HOSTS = frozenset({"localhost", "primary", "ubuntu", "localhost.localdomain", "broadcasthost", "local",
                           "vm", "mac", "pc", "host", "server", "desktop", "laptop", "macbook", "runner",
                           "debian", "fedora", "windows", "linux", "multipass", "default", "gateway", "router"})

# Kept MAC prefixes: QEMU (Multipass instances), Hyper-V (Windows instances and vEthernet).
KEPT_OUIS = ("52:54:00", "00:15:5d")

_MAC = re.compile(r"(?<![\w:.-])([0-9A-Fa-f]{1,2})([:-])([0-9A-Fa-f]{1,2})(?:\2([0-9A-Fa-f]{1,2})){4}(?![\w:-])")
_MAC_FULL = re.compile(r"(?<![\w:.-])[0-9A-Fa-f]{1,2}([:-])[0-9A-Fa-f]{1,2}(?:\1[0-9A-Fa-f]{1,2}){4}(?![\w:-])")
# not a four-part kernel release (WSL2's 5.15.167.4-microsoft-standard-WSL2): a word after a dash
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w]|\.\d|-[A-Za-z])")
_IPV6 = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![\w:])")
_PROMPT = re.compile(r"(?m)^[ \t]*(?:\([^()\n]{1,40}\)[ \t]*)?[\[(]?(?P<user>[A-Za-z_][\w.-]{0,31})@"
                     r"(?P<host>[^\s:@\]~%$#>]{1,63})(?=[:\s\]~%$#>])")
# a prompt inside a line (after a paste's `$ `, in a log): only in a prompt's shape
_PROMPT_INLINE = re.compile(r"(?<![\w.@%+-])(?P<user>[A-Za-z_][\w.-]{0,31})@(?P<host>[A-Za-z0-9][\w-]{0,62})"
                            r"(?=(?::[~/][^\s]{0,200}|[ \t]+~[^\s]{0,200})?[ \t]?[$%#>\]][ \t])")
_WIN_USERS = r"(?i:[A-Z]:(?:\\\\|\\|/)Users(?:\\\\|\\|/))"
_HOME = re.compile(r"(?P<pre>/Users/|/home/|" + _WIN_USERS + r")(?P<name>"
                   r"(?<=[\\/])[^/\\\s\"'<>:;,&|*?]+(?: [^/\\\s\"'<>:;,&|*?]+){1,3}(?=\\|/)"  # C:\Users\First Last\\
                   r"|[^/\\\s\"'<>:;,&]+)")
_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+(?!local\b)[A-Za-z]{2,24}"
                    r"(?![\w-])")
_WIN_DEFAULT_HOST = re.compile(r"(?<![\w-])(?:DESKTOP|LAPTOP|WIN)-[A-Za-z0-9]{4,15}(?![\w-])")
_MDNS_HOST = re.compile(r"(?<![\w.-])(?P<host>[A-Za-z0-9][A-Za-z0-9-]{0,62})\.local(?![\w-])")
_MSHOME_SELF = re.compile(r"(?m)^\s*\d{1,3}\.\d{1,3}\.\d{1,3}\.1\s+(?P<host>[A-Za-z0-9][\w-]{0,62})\.mshome\.net\b")
_SERIAL = re.compile(r"(?im)(?:System Serial Number|Serial Number(?: \(system\))?|IOPlatformSerialNumber|SerialNumber|"
                     r"Hardware UUID|IOPlatformUUID|Provisioning UDID|product_serial|product_uuid)\"?[ \t]*[:=]?[ \t]*\"?"
                     r"(?:[ \t]*\r?\n[ \t]*)?(?P<serial>(?=[A-Za-z-]*\d)[A-Za-z0-9][A-Za-z0-9-]{5,63})(?![\w-])")
_SSID = re.compile(r"(?im)(?:^[ \t]*(?:SSID(?:[ \t]+\d+)?|Current (?:Wi-Fi|AirPort) Network|Network Name)[ \t]*[:=][ \t]*"
                   r"\"?(?P<ssid>[^\"\n]{1,32}?)\"?[ \t]*$|\bESSID:\"(?P<essid>[^\"\n]{1,32})\")")
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


MEMO_TEXT, MEMO_ENTRIES = 64 * 1024, 50_000  # what the memos keep: shorter texts, so many of them


class Redactor:
    """Replaces personal values with stable placeholders; callable on text."""

    enabled = True

    def __init__(self, users: Iterable[str | None] = (), hosts: Iterable[str | None] = (),
                 keep_ips: Iterable[str] = PUBLIC_RESOLVERS, style: str = "label", escape_html: bool = False,
                 learn: bool = True, serials: Iterable[str | None] = ()) -> None:
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
        self.serials: set[str] = set()
        self._kind: dict[str, str] = {}  # lower-cased name -> kind
        self.kept: set[str] = set()  # lower-cased names that are never personal: the instances
        self._names_re: re.Pattern | None = None
        # A report redacts the same strings many times over (each check's record for Allure, the
        # HTML, diagnosis.json): each text is learned once, and redacted once per state of what is
        # known (_known: bumped when a name is added or kept).
        self._known = 0
        self._learned: set[str] = set()
        self._memo: dict[tuple, str] = {}
        for u in users:
            self.add_user(u)
        for h in hosts:
            self.add_host(h)
        for n in serials:
            self.add_serial(n)

    @classmethod
    def for_this_machine(cls, keep_ips: Iterable[str] = (), live: bool = False, **kw) -> "Redactor":
        """Told this machine's identifiers (:func:`machine_identifiers`); `keep_ips` adds to
        the public resolvers."""
        ids = machine_identifiers(live=live)
        return cls(users=ids["users"], hosts=ids["hosts"], serials=ids["serials"],
                   keep_ips=[*PUBLIC_RESOLVERS, *keep_ips], **kw)

    def sibling(self, **kw) -> "Redactor":
        """Another style/escaping sharing this one's placeholders and knowledge (same numbers)."""
        return _Shared(self, **kw)

    # --- what is personal -------------------------------------------------------------
    def keep(self, names: Iterable[str | None]) -> None:
        """Names that stay: Multipass instances (`mpdiag-1a2b3c`, `primary`), whatever a prompt says."""
        for name in names:
            if name and name.lower() not in self.kept:
                self.kept.add(name.lower())
                for group in (self.users, self.hosts, self.serials):
                    group.difference_update({n for n in group if n.lower() == name.lower()})
                self._kind.pop(name.lower(), None)
                self._names_re = None
                self._known += 1

    def _add(self, kind: str, name: str, into: set) -> None:
        if name.lower() not in self._kind and name.lower() not in self.kept:
            into.add(name)
            self._kind[name.lower()] = kind
            self._names_re = None
            self._known += 1

    def add_user(self, name: str | None) -> None:
        if name and len(name) >= 2 and not name.startswith("_") and name.lower() not in SYSTEM_USERS \
                and not name.isdigit() and not name.startswith("<"):
            self._add("user", name.strip(), self.users)

    def add_host(self, name: str | None) -> None:
        if not name or name.startswith("<") or _IPV4.fullmatch(name.rsplit(":", 1)[0]):
            return  # an address (`root@192.0.2.2:22` in ssh's words) names no machine: no `192` host
        names = {name, name.split(".", 1)[0]}
        if name.lower().endswith(".local"):
            names.add(name[: -len(".local")])
        for n in names:
            if len(n) >= 3 and n.lower() not in GENERIC_HOSTS and not _IPV4.fullmatch(n):
                self._add("host", n, self.hosts)

    def add_serial(self, value: str | None) -> None:
        if value and len(value) >= 6 and any(c.isdigit() for c in value) and not value.startswith("<"):
            self._add("serial", value, self.serials)

    def learn(self, text: str) -> None:
        """Find names in `text`: prompts, home paths, lsof's USER, labelled host names and
        serials, Windows' default names, `.local` names, the host's own mshome.net entry."""
        if not text or text in self._learned:
            return
        if len(text) <= MEMO_TEXT:
            self._learned.add(text)
        low = text.lower()  # literal pre-checks: a pattern runs only where its anchor word is
        for pattern in (_PROMPT, _PROMPT_INLINE) if "@" in text else ():
            for m in pattern.finditer(text):
                user, host = m.group("user"), m.group("host")
                self.add_user(user)
                if user.lower() != "ubuntu":  # ubuntu@<instance>: an instance, not this machine
                    self.add_host(host.rstrip("."))
        for m in _HOME.finditer(text) if _has(low, "/users/", "/home/", "users\\") else ():
            self.add_user(m.group("name"))
        for pattern, words in ((_LABELLED_HOST, ("name",)), (_MDNS_HOST, (".local",)), (_MSHOME_SELF, ("mshome",))):
            for m in pattern.finditer(text) if _has(low, *words) else ():
                self.add_host(m.group("host"))
        for m in _WIN_DEFAULT_HOST.finditer(text) if _has(low, "desktop-", "laptop-", "win-") else ():
            self.add_host(m.group(0))
        for m in _SERIAL.finditer(text) if _has(low, "serial", "uuid", "udid") else ():
            self.add_serial(m.group("serial"))
        header = _LSOF_HEADER.search(text)
        if header:
            cols = text[header.start():].splitlines()[0].split()
            idx = cols.index("USER")
            for line in text[header.end():].splitlines()[1:]:
                parts = line.split()
                if len(parts) > idx + 2 and parts[1].isdigit():
                    self.add_user(parts[idx])

    def learn_all(self, texts: Iterable[str]) -> None:
        for t in texts:
            self.learn(t)

    # --- replacing -----------------------------------------------------------------------
    def __call__(self, text: str, probe: str | None = None) -> str:
        return self.redact(text, probe)

    def text(self, text: str | None, probe: str | None = None) -> str | None:
        """What a report writes: `text` redacted (None stays None)."""
        return None if text is None else self.redact(str(text), probe)

    def json(self, doc: Any) -> Any:
        """A copy of a JSON document with every string value redacted, after learning
        from all of them, so a name found late in the document is gone from its start.
        Values of an ``"instance"`` key name Multipass instances: they stay."""
        self.keep(_instances(doc))
        if self.learn_from_text:
            self.learn_all(_strings(doc))
        return _map_strings(doc, self._redact_known)

    def in_place(self, obj: Any, keep: Iterable[str] = ()) -> None:
        """Redact every string in an object tree (objects' attributes, lists, dicts) where it
        stands, learning from all of them first; attributes named in `keep` are left alone
        (ids, file names). For result objects a library writes itself (Allure's)."""
        keep = frozenset(keep)
        found: list[tuple[Any, Any, str]] = []  # (container, key, text)
        stack, seen = [obj], set()
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            items = list(enumerate(v)) if isinstance(v, list) else list(v.items()) if isinstance(v, dict) \
                else [(k, x) for k, x in vars(v).items() if k not in keep] if hasattr(v, "__dict__") else []
            for k, x in items:
                if isinstance(x, str):
                    found.append((v, k, x))
                elif isinstance(x, (list, dict)) or hasattr(x, "__dict__") and not isinstance(x, type):
                    stack.append(x)
        if self.learn_from_text:
            self.learn_all(t for _, _, t in found)
        for container, key, text in found:
            new = self._redact_known(text)
            if new != text:
                if isinstance(container, (list, dict)):
                    container[key] = new
                else:
                    setattr(container, key, new)

    def _redact_known(self, text: str) -> str:
        learn, self.learn_from_text = self.learn_from_text, False
        try:
            return self.redact(text)
        finally:
            self.learn_from_text = learn

    def redact(self, text: str, probe: str | None = None) -> str:
        """`text` with every personal value replaced. `probe` names the probe the text
        came from (DNS answers keep their public addresses in the parseable style)."""
        if not text:
            return text
        if self.learn_from_text:
            self.learn(text)
        key = (text, probe in ANSWER_PROBES, self.style, self.escape_html, self._known)
        done = self._memo.get(key)
        if done is not None:
            return done
        done = self._replace(text, probe)
        if len(text) <= MEMO_TEXT and len(self._memo) < MEMO_ENTRIES:
            self._memo[key] = done
        return done

    def _replace(self, text: str, probe: str | None) -> str:
        low = text.lower()
        if _has(low, "ssid", "network"):
            text = _SSID.sub(self._ssid_sub, text)
        if "@" in text:
            text = _EMAIL.sub(self._email_sub, text)
        if _has(low, "/users/", "/home/", "users\\"):
            text = _HOME.sub(self._home_sub, text)
        names = self._names()
        if names is not None:
            text = names.sub(self._name_sub, text)
        text = _MAC_FULL.sub(self._mac_sub, text)
        keep_public = self.style == "parseable" and probe in ANSWER_PROBES
        if not keep_public:
            text = _IPV4.sub(self._ip_sub, text)
            text = _IPV6.sub(self._ip_sub, text)
        return text

    def _email_sub(self, m: re.Match) -> str:
        """An address, unless kept: `admin@mac-1.lab` named in --hosts labels every report row."""
        return m.group(0) if m.group(0).lower() in self.kept else self._label("email", m.group(0))

    def _home_sub(self, m: re.Match) -> str:
        name = m.group("name")
        if name.lower() in SYSTEM_USERS or name.startswith(("_", "<")):
            return m.group(0)  # /home/ubuntu, C:\\Users\\Public: no one's name
        return m.group("pre") + self._label("user", name)

    def _ssid_sub(self, m: re.Match) -> str:
        group = "ssid" if m.group("ssid") is not None else "essid"
        value = m.group(group)
        if not value.strip() or value.startswith("<"):
            return m.group(0)
        start, end = m.start(group) - m.start(0), m.end(group) - m.start(0)
        whole = m.group(0)
        return whole[:start] + self._label("ssid", value) + whole[end:]

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
            alts = sorted({*self.hosts, *self.users, *self.serials}, key=len, reverse=True)
            if not alts:
                return None
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
        if norm.startswith(KEPT_OUIS + ("02:00:00:00",)) or norm in ("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00") or first & 1:
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


def _has(low: str, *words: str) -> bool:
    return any(w in low for w in words)


def _strings(doc: Any) -> Iterable[str]:
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)


def _instances(doc: Any) -> set[str]:
    found, stack = set(), [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if isinstance(v.get("instance"), str):
                found.add(v["instance"])
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return found


def _map_strings(doc: Any, fn) -> Any:
    if isinstance(doc, str):
        return fn(doc)
    if isinstance(doc, dict):
        return {k: _map_strings(v, fn) for k, v in doc.items()}  # keys are the schema's names
    if isinstance(doc, (list, tuple)):
        return [_map_strings(v, fn) for v in doc]
    return doc


def _ioreg_identifiers() -> list[str]:
    """macOS: the serial number and hardware UUID (ioreg, when present; 3 s at most)."""
    if sys.platform != "darwin" or not shutil.which("ioreg"):
        return []
    from mpdiag.runner import run  # the one way this library runs a command

    res = run(["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"], 3.0)
    if res.rc != 0:
        return []
    return [m.group("serial") for m in _SERIAL.finditer(res.text)]


def _linux_identifiers() -> list[str]:
    out = []
    for name in ("product_serial", "product_uuid", "board_serial", "chassis_serial"):
        try:
            out.append(Path("/sys/class/dmi/id", name).read_text().strip())
        except OSError:  # root-only on most distributions
            continue
    return out


def machine_identifiers(live: bool = False) -> dict[str, list[str]]:
    """This machine's user, host/computer names and (`live`: asked of the OS) serials."""
    users = [this_user(), os.environ.get("USERNAME"), os.environ.get("USER")]
    try:
        users.append(Path.home().name)
    except (RuntimeError, KeyError):  # no home directory
        pass
    hosts = [this_host(), os.environ.get("COMPUTERNAME"), os.environ.get("USERDOMAIN")]
    serials: list[str] = []
    if live:
        serials += _ioreg_identifiers() if sys.platform == "darwin" else _linux_identifiers() \
            if sys.platform.startswith("linux") else []
    return {"users": [u for u in users if u], "hosts": [h for h in hosts if h], "serials": [s for s in serials if s]}


class _Disabled(Redactor):
    """`--no-redact`: every artefact as it is."""

    enabled = False

    def redact(self, text: str, probe: str | None = None) -> str:
        return text

    def redact_bytes(self, data: bytes, probe: str | None = None) -> bytes:
        return data

    def json(self, doc: Any) -> Any:
        return doc

    def in_place(self, obj: Any, keep: Iterable[str] = ()) -> None:
        return None

    def learn(self, text: str) -> None:
        return None

    def keep(self, names: Iterable[str | None]) -> None:
        return None


def for_run(enabled: bool = True, keep_ips: Iterable[str] = (), live: bool = False,
            texts: Iterable[str] = (), instances: Iterable[str] = ()) -> Redactor:
    """The one redactor of a run (label style; `.sibling(style="parseable")` for bundles).
    Told this machine's identifiers (the serial too when `live`), then taught by `texts`
    (a replayed bundle's outputs, so names are known before the first report line);
    `instances` are names that stay (:meth:`Redactor.keep`)."""
    if not enabled:
        return _Disabled(learn=False)
    r = Redactor.for_this_machine(keep_ips=[k for k in keep_ips if k], live=live)
    r.keep(instances)
    r.learn_all(texts)
    for t in texts:  # number the placeholders in the bundle's order, not in the order checks ask:
        r.redact(t)  # so a check alone, in a subset or in the whole suite says the same
    return r



class _Shared(Redactor):
    """A view of a Redactor with another style or escaping; placeholders and names shared."""

    def __init__(self, base: Redactor, **kw) -> None:  # noqa: D107 - internal
        self.__dict__["_base"] = base
        self.__dict__["_own"] = {k: v for k, v in kw.items() if k in ("style", "escape_html", "learn_from_text")}
        if "learn" in kw:
            self.__dict__["_own"]["learn_from_text"] = kw["learn"]

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
