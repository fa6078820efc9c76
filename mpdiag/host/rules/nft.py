"""What native nftables tables do to a concrete packet (the instances' DHCP, DNS, outbound
traffic and its reply): the same packets the iptables walk uses (mpdiag/host/rules/linux.py).

Netfilter runs every base chain on a hook, in priority order, across all tables: an
`accept` ends only that chain (the next base chain still sees the packet), a `drop` or
`reject` ends it for good, and a base chain that ends without a verdict applies its
policy. So the packet passes only if every native base chain on the hook accepts it.

Only the tables iptables-save does not show are walked (the parser marks iptables-nft's
own), and not `inet firewalld`: firewalld is read through `firewall-cmd`
(linux.firewall.dhcp_allowed), one home for it. Families: `ip` and `inet` (the packets
are IPv4). A match the walk cannot evaluate (`fib`, sets by name, marks, `xt`...) makes
its rule uncertain: skipped, reported, never counted as an accept.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from mpdiag.host.rules.linux import UPLINK, Packet
from mpdiag.parse.nft import NftChain, NftRule, NftRuleset

FAMILIES = ("ip", "inet")
SKIPPED_TABLES = (("inet", "firewalld"),)
TERMINAL = ("accept", "drop", "reject", "queue")
NEUTRAL = ("counter", "log", "limit", "comment", "notrack")


@dataclass
class NftVerdict:
    """One base chain's verdict for a packet: accept/drop, the deciding rule (None: the policy)."""

    action: str
    chain: NftChain
    rule: NftRule | None = None
    uncertain: list[NftRule] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.action == "accept"

    def describe(self) -> str:
        if self.rule is None:
            return f"{self.chain.where} (hook {self.chain.hook}) policy {self.action}"
        return f"{self.chain.where} (hook {self.chain.hook}) rule `{self.rule.text}`"


class _Unknown(Exception):
    """A match the walk cannot evaluate."""


def _iface(value: Any, iface: str | None) -> bool:
    names = value.get("set") if isinstance(value, dict) else [value]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _Unknown()
    if iface is None or iface == UPLINK:
        # the uplink matches no named pattern; a bare `*` matches any interface
        return iface == UPLINK and any(n == "*" for n in names)
    return any(fnmatch.fnmatchcase(iface, n) if "*" in n else iface == n for n in names)


def _addr(value: Any, ip: ipaddress.IPv4Address) -> bool:
    items = value.get("set") if isinstance(value, dict) and "set" in value else [value]
    if not isinstance(items, list):
        raise _Unknown()
    for item in items:
        if isinstance(item, str):
            try:
                if ip in ipaddress.ip_network(item, strict=False):
                    return True
            except ValueError:
                raise _Unknown() from None
        elif isinstance(item, dict) and isinstance(item.get("prefix"), dict):
            net = ipaddress.ip_network(f"{item['prefix'].get('addr')}/{item['prefix'].get('len')}", strict=False)
            if ip in net:
                return True
        elif isinstance(item, dict) and isinstance(item.get("range"), list) and len(item["range"]) == 2:
            lo, hi = (ipaddress.ip_address(x) for x in item["range"])
            if lo <= ip <= hi:
                return True
        else:
            raise _Unknown()
    return False


def _number(value: Any, n: int | None) -> bool:
    items = value.get("set") if isinstance(value, dict) and "set" in value else [value]
    if not isinstance(items, list):
        raise _Unknown()
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            if n == item:
                return True
        elif isinstance(item, dict) and isinstance(item.get("range"), list) and len(item["range"]) == 2:
            lo, hi = item["range"]
            if isinstance(lo, int) and isinstance(hi, int) and n is not None and lo <= n <= hi:
                return True
        elif isinstance(item, str) and item.isdigit():
            if n == int(item):
                return True
        else:
            raise _Unknown()
    return False


def _words(value: Any) -> list[str]:
    items = value.get("set") if isinstance(value, dict) and "set" in value else value
    items = items if isinstance(items, list) else [items]
    if not all(isinstance(i, str) for i in items):
        raise _Unknown()
    return [i.lower() for i in items]


def _match(body: Any, p: Packet) -> bool:
    if not isinstance(body, dict):
        raise _Unknown()
    op, left, right = body.get("op", "=="), body.get("left"), body.get("right")
    if op not in ("==", "!=", "in"):
        raise _Unknown()
    hit = _evaluate(left, right, p)
    return hit if op != "!=" else not hit


def _evaluate(left: Any, right: Any, p: Packet) -> bool:
    if not isinstance(left, dict) or len(left) != 1:
        raise _Unknown()
    kind, spec = next(iter(left.items()))
    if not isinstance(spec, dict):
        raise _Unknown()
    if kind == "meta":
        key = spec.get("key")
        if key in ("iifname", "iif"):
            return _iface(right, p.in_iface)
        if key in ("oifname", "oif"):
            return _iface(right, p.out_iface)
        if key == "l4proto":
            return p.proto in _words(right)
        if key == "nfproto":
            return "ipv4" in _words(right)
        raise _Unknown()
    if kind == "payload":
        proto, fld = spec.get("protocol"), spec.get("field")
        if proto == "ip":
            if fld == "saddr":
                return _addr(right, p.src)
            if fld == "daddr":
                return _addr(right, p.dst)
            if fld == "protocol":
                return p.proto in _words(right)
            raise _Unknown()
        if proto in ("ip6", "icmpv6"):
            return False  # an IPv6 header match never matches these IPv4 packets
        if proto in ("udp", "tcp", "th"):
            if proto != "th" and proto != p.proto:
                return False  # `udp dport 67` implies udp
            if fld == "dport":
                return _number(right, p.dport)
            if fld == "sport":
                return _number(right, p.sport)
            raise _Unknown()
        if proto in ("icmp",):
            return False if p.proto != "icmp" else _raise()
        raise _Unknown()
    if kind == "ct" and spec.get("key") == "state":
        return p.state.lower() in _words(right)
    raise _Unknown()


def _raise() -> bool:
    raise _Unknown()


def rule_matches(rule: NftRule, p: Packet) -> bool | None:
    """True/False for the rule's matches, None when one cannot be evaluated."""
    try:
        for s in rule.expr:
            if not isinstance(s, dict) or len(s) != 1:
                return None
            key, body = next(iter(s.items()))
            if key == "match":
                if not _match(body, p):
                    return False
            elif key in NEUTRAL or key in TERMINAL or key in ("jump", "goto", "return", "continue"):
                continue
            else:
                return None
    except (_Unknown, ValueError, TypeError):
        return None
    return True


def _verdict_of(rule: NftRule) -> tuple[str, str | None] | None:
    """The rule's verdict statement: (accept|drop|reject|queue|jump|goto|return|continue, target)."""
    for s in rule.expr:
        if isinstance(s, dict) and len(s) == 1:
            key, body = next(iter(s.items()))
            if key in TERMINAL or key in ("return", "continue"):
                return key, None
            if key in ("jump", "goto") and isinstance(body, dict) and isinstance(body.get("target"), str):
                return key, body["target"]
    return None


def _walk(rs: NftRuleset, chain: NftChain, p: Packet, uncertain: list[NftRule],
          depth: int) -> tuple[str, NftRule] | None:
    """(action, rule) when a rule decides, None when the chain ends (or returns)."""
    if depth > 16:
        return None
    for rule in chain.rules:
        verdict = _verdict_of(rule)
        m = rule_matches(rule, p)
        if m is None:
            if verdict is not None:
                uncertain.append(rule)
            continue
        if not m or verdict is None or verdict[0] == "continue":
            continue
        action, target = verdict
        if action == "return":
            return None
        if action in TERMINAL:
            return ("drop" if action == "reject" else action), rule
        sub = rs.chain(chain.family, chain.table, target or "")
        if sub is None:
            uncertain.append(rule)
            continue
        res = _walk(rs, sub, p, uncertain, depth + 1)
        if res is not None:
            return res
        if action == "goto":
            return None
    return None


def base_chains(rs: NftRuleset, hook: str) -> list[NftChain]:
    """The native IPv4 filter base chains on a hook, in the order netfilter runs them."""
    chains = [c for t in rs.native() if t.family in FAMILIES and (t.family, t.name) not in SKIPPED_TABLES
              for c in t.chains.values() if c.base and c.hook == hook and (c.type or "filter") == "filter"]
    return sorted(chains, key=lambda c: (c.prio if c.prio is not None else 0))


def verdicts(rs: NftRuleset, hook: str, p: Packet) -> list[NftVerdict]:
    """Every native base chain's verdict for the packet on this hook."""
    out = []
    for chain in base_chains(rs, hook):
        uncertain: list[NftRule] = []
        res = _walk(rs, chain, p, uncertain, 0)
        if res is None:
            out.append(NftVerdict(chain.policy or "accept", chain, None, uncertain))
        else:
            out.append(NftVerdict(res[0], chain, res[1], uncertain))
    return out


def first_drop(rs: NftRuleset, hook: str, p: Packet) -> NftVerdict | None:
    """The first native base chain that drops (or rejects) the packet, or None: every one accepts."""
    return next((v for v in verdicts(rs, hook, p) if not v.accepted), None)
