"""`nft -j list ruleset` (nftables >= 0.9, JSON schema 1): tables, chains, rules.

Pure. The JSON is a flat list under `nftables`: a `metainfo`, then `table`, `chain`,
`rule` (and `set`, `map`, `flowtable`, ... which are kept out) objects. A base chain has
`type`, `hook`, `prio` and `policy`; a rule has `expr`, a list of statements whose keys
are the statement name (`match`, `counter`, `accept`, `jump`, `xt`, ...). Verified on
nftables 1.0.6 (`selftests/data/nft/`, generated in a lab namespace by real nft).

Tables that iptables-nft manages (`ip filter` with `INPUT`/`FORWARD`/`OUTPUT`, or any
rule holding an `xt` statement: a translated iptables match) are marked `iptables_nft`:
`iptables-nft-save` reads those already, so the firewall checks walk only the native ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

IPTABLES_TABLES = frozenset({"filter", "nat", "mangle", "raw", "security"})
IPTABLES_CHAINS = frozenset({"INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"})
MAX_OBJECTS = 200_000


@dataclass(frozen=True)
class NftRule:
    """One rule: its statements as nft gives them (JSON), and its handle."""

    handle: int | None
    expr: tuple[Any, ...]

    @property
    def text(self) -> str:
        """A short nft-like rendering for messages (`iifname == "mpqemubr0" udp dport == 67 drop`)."""
        return " ".join(filter(None, (render_statement(s) for s in self.expr))) or "(empty rule)"


@dataclass
class NftChain:
    family: str
    table: str
    name: str
    type: str | None = None
    hook: str | None = None
    prio: int | None = None
    policy: str | None = None
    rules: list[NftRule] = field(default_factory=list)

    @property
    def base(self) -> bool:
        """A base chain: attached to a hook (netfilter calls it); the others are jumped to."""
        return self.hook is not None

    @property
    def where(self) -> str:
        return f"table {self.family} {self.table} chain {self.name}"


@dataclass
class NftTable:
    family: str
    name: str
    chains: dict[str, NftChain] = field(default_factory=dict)
    iptables_nft: bool = False    # managed by iptables-nft (iptables-nft-save shows it)


@dataclass
class NftRuleset:
    version: str | None
    tables: dict[tuple[str, str], NftTable] = field(default_factory=dict)

    def chain(self, family: str, table: str, name: str) -> NftChain | None:
        t = self.tables.get((family, table))
        return t.chains.get(name) if t else None

    def native(self) -> list[NftTable]:
        """The tables iptables-save does not show (not iptables-nft's own)."""
        return [t for t in self.tables.values() if not t.iptables_nft]

    @property
    def empty(self) -> bool:
        return not self.tables


def _obj(entry: Any, kind: str, keys: tuple[str, ...], text: str) -> dict[str, Any]:
    body = entry[kind]
    if not isinstance(body, dict) or any(not isinstance(body.get(k), str) for k in keys):
        raise ParseError(f"nft -j: a {kind} object without {', '.join(keys)}", text[:300])
    return body


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_nft_json(text: str) -> NftRuleset:
    """The ruleset, tables in nft's order. ParseError: not nft's JSON (or not schema 1)."""
    data = load_json(text, "nft -j list ruleset")
    items = data.get("nftables") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ParseError("nft -j list ruleset: no `nftables` list", text[:300])
    if len(items) > MAX_OBJECTS:
        raise ParseError(f"nft -j list ruleset: {len(items)} objects, more than {MAX_OBJECTS}", text[:300])
    rs = NftRuleset(None)
    for entry in items:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ParseError("nft -j list ruleset: an entry is not one object", text[:300])
        kind = next(iter(entry))
        if kind == "metainfo":
            meta = entry[kind] if isinstance(entry[kind], dict) else {}
            schema = meta.get("json_schema_version")
            if schema not in (None, 1):
                raise ParseError(f"nft -j: JSON schema {schema!r}, only 1 is known", text[:300])
            rs.version = str(meta.get("version")) if meta.get("version") is not None else None
        elif kind == "table":
            t = _obj(entry, kind, ("family", "name"), text)
            rs.tables[(t["family"], t["name"])] = NftTable(t["family"], t["name"])
        elif kind == "chain":
            c = _obj(entry, kind, ("family", "table", "name"), text)
            table = rs.tables.setdefault((c["family"], c["table"]), NftTable(c["family"], c["table"]))
            table.chains[c["name"]] = NftChain(
                c["family"], c["table"], c["name"], c.get("type"), c.get("hook"), _int(c.get("prio")),
                c.get("policy") if isinstance(c.get("policy"), str) else None)
        elif kind == "rule":
            r = _obj(entry, kind, ("family", "table", "chain"), text)
            expr = r.get("expr")
            if not isinstance(expr, list):
                raise ParseError("nft -j: a rule without an `expr` list", text[:300])
            chain = rs.chain(r["family"], r["table"], r["chain"])
            if chain is None:
                raise ParseError(f"nft -j: a rule of unknown chain {r['family']} {r['table']} {r['chain']}",
                                 text[:300])
            chain.rules.append(NftRule(_int(r.get("handle")), tuple(expr)))
    for t in rs.tables.values():
        t.iptables_nft = _managed_by_iptables(t)
    return rs


def _managed_by_iptables(t: NftTable) -> bool:
    if any(isinstance(s, dict) and "xt" in s for c in t.chains.values() for r in c.rules for s in r.expr):
        return True
    bases = [c.name for c in t.chains.values() if c.base]
    return (t.family in ("ip", "ip6", "arp", "bridge") and t.name in IPTABLES_TABLES and bool(bases)
            and all(n in IPTABLES_CHAINS for n in bases))


# ---- rendering (messages only) -------------------------------------------------------------------

def render_value(v: Any) -> str:
    if isinstance(v, dict):
        if "set" in v:
            return "{ " + ", ".join(render_value(x) for x in v["set"]) + " }" if isinstance(v["set"], list) \
                else render_value(v["set"])
        if "prefix" in v and isinstance(v["prefix"], dict):
            return f"{v['prefix'].get('addr')}/{v['prefix'].get('len')}"
        if "range" in v and isinstance(v["range"], list) and len(v["range"]) == 2:
            return f"{render_value(v['range'][0])}-{render_value(v['range'][1])}"
        if "meta" in v and isinstance(v["meta"], dict):
            return f"meta {v['meta'].get('key')}" if v["meta"].get("key") not in ("iifname", "oifname", "iif", "oif",
                                                                                 "l4proto") else v["meta"]["key"]
        if "payload" in v and isinstance(v["payload"], dict):
            return f"{v['payload'].get('protocol', '')} {v['payload'].get('field', '')}".strip()
        if "ct" in v and isinstance(v["ct"], dict):
            return f"ct {v['ct'].get('key')}"
        return next(iter(v), "?") if v else "?"
    if isinstance(v, list):
        return ",".join(render_value(x) for x in v)
    return str(v)


def _quoted(v: Any) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict) and isinstance(v.get("set"), list):
        return "{ " + ", ".join(_quoted(x) for x in v["set"]) + " }"
    return render_value(v)


def render_statement(s: Any) -> str:
    if not isinstance(s, dict) or not s:
        return "?"
    key = next(iter(s))
    body = s[key]
    if key == "match" and isinstance(body, dict):
        op = body.get("op", "==")
        op = "" if op in ("==", "in") else f"{op} "
        left, right = body.get("left"), body.get("right")
        names = isinstance(left, dict) and isinstance(left.get("meta"), dict) and \
            left["meta"].get("key") in ("iifname", "oifname")
        shown = _quoted(right) if names else render_value(right)
        return f"{render_value(left)} {op}{shown}"
    if key in ("counter", "log", "limit", "comment"):
        return "" if key != "log" else "log"
    if key in ("jump", "goto") and isinstance(body, dict):
        return f"{key} {body.get('target')}"
    if key == "reject":
        return "reject"
    return key
