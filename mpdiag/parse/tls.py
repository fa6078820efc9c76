"""`openssl s_client -state -connect H:P -servername H` (OpenSSL 1.1/3.x, stderr merged, run
under `timeout`): how far the handshake got, the chain the server sent, the verification.

Why s_client without -verify_return_error: an untrusted chain must still be *shown*, so the
issuer a TLS-inspecting product put there can be named; the verdict is `Verify return code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STATE = re.compile(r"^SSL_connect:(.+)$", re.M)
_CHAIN = re.compile(r"^[ \t]*(\d+) s:(.*)\n[ \t]*i:(.*)$", re.M)  # [ \t], not \s: linear on blank lines
_VERIFY = re.compile(r"^Verify return code: (\d+) \(([^)]*)\)", re.M)
_VERIFY_ERR = re.compile(r"verify error:num=(\d+):(.+)$", re.M)
_CONNECT_ERR = re.compile(r"(connect:errno=\d+|Connection refused|No route to host|Network is unreachable|"
                          r"Connection timed out|Connection reset by peer)", re.I)
_LOOKUP_ERR = re.compile(r"(Name or service not known|Temporary failure in name resolution|"
                         r"nodename nor servname provided|BIO_lookup(?:_ex)?[^\n]*|gethostbyname failure)", re.I)
_CN = re.compile(r"CN\s*=\s*([^,/\n]+)")


@dataclass(frozen=True)
class CertLink:
    depth: int
    subject: str
    issuer: str


@dataclass(frozen=True)
class TlsHandshake:
    """What one s_client run shows. `states` are the handshake steps reached, in order."""

    states: tuple[str, ...]
    chain: tuple[CertLink, ...]
    verify_code: int | None
    verify_text: str | None
    connect_error: str | None
    lookup_error: str | None

    @property
    def tcp_connected(self) -> bool:
        return bool(self.states)

    @property
    def completed(self) -> bool:
        """The handshake finished (the client wrote its Finished) and a verdict was printed."""
        return self.verify_code is not None and any("write finished" in s for s in self.states)

    @property
    def last_state(self) -> str | None:
        return self.states[-1] if self.states else None

    @property
    def trusted(self) -> bool:
        return self.verify_code == 0

    @property
    def top_issuer(self) -> str | None:
        """The issuer at the top of the chain the server sent (the root or the inspecting CA)."""
        return self.chain[-1].issuer if self.chain else None


def common_name(dn: str) -> str:
    """The CN of an OpenSSL one-line DN, or the whole DN when it has none."""
    m = _CN.search(dn)
    return m[1].strip() if m else dn.strip()


def parse_s_client(text: str) -> TlsHandshake:
    """Never fails: an empty output (the connection never came up) is itself the finding."""
    states = tuple(s.strip() for s in _STATE.findall(text))
    chain = tuple(CertLink(int(d), s.strip(), i.strip()) for d, s, i in _CHAIN.findall(text))
    v = _VERIFY.search(text)
    code, vtext = (int(v[1]), v[2]) if v else (None, None)
    if v is None:
        ve = _VERIFY_ERR.search(text)
        if ve:
            vtext = ve[2].strip()
    ce, le = _CONNECT_ERR.search(text), _LOOKUP_ERR.search(text)
    return TlsHandshake(states, chain, code, vtext, ce[1] if ce else None, le[1] if le else None)
