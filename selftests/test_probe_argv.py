"""Every registered probe's live argv renders: no KeyError, no placeholder of a param left.

`bcdedit /enum {current}` once went through str.format (KeyError: 'current'), so the
Hyper-V check always errored on a real Windows host. Templates are filled by
`render_argv`: only the params given, whole `{name}` placeholders, other braces literal.
"""

from __future__ import annotations

import re

import pytest

from mpdiag import runner
from mpdiag.errors import NotRecorded, ProbeError
from mpdiag.probes import LiveSource, Probe, ProbeContext, ProbeSession, load_all, render_argv
from mpdiag.runner import CommandResult

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Literal brace words commands take (bcdedit's boot entry identifiers): never a param.
LITERAL_BRACES = {"current", "default", "bootmgr"}


class NothingRecorded:
    """A source with no data: a command built from other probes falls back to its default."""

    mode = "replay"

    def fetch(self, probe: Probe, ctx: ProbeContext) -> CommandResult:
        raise NotRecorded(f"{probe.name} is not recorded")


def _templates() -> dict[str, Probe]:
    return {name: p for name, p in sorted(load_all().items()) if p.call is None}


def _params(probe: Probe) -> dict[str, str]:
    """Sample values for every placeholder of a probe's template, static or made by its
    function (a shell-hostile value each)."""
    names = set()
    template = probe.command
    if callable(template):
        try:
            template = template(ProbeContext(ProbeSession(NothingRecorded(), "linux"), {}, "primary", 1.0))
        except (ProbeError, KeyError):
            template = ()
    for arg in template or ():
        names |= set(PLACEHOLDER.findall(str(arg))) - LITERAL_BRACES
    return {n: f"<{n}> {{x}} $(id)" for n in names}


@pytest.mark.parametrize("name", list(_templates()))
def test_every_probe_argv_renders(name):
    probe = _templates()[name]
    params = _params(probe)
    session = ProbeSession(NothingRecorded(), "linux")
    ctx = ProbeContext(session, params, "primary" if probe.instance else None, 1.0)
    try:
        argv = LiveSource().argv(probe, ctx)
    except ProbeError as exc:  # a probe that is not run as an ordinary command says so
        # it says which probe and when it does run
        assert name in str(exc) and ("not as an ordinary probe" in str(exc) or "runs only with" in str(exc))
        return
    assert argv and all(isinstance(a, str) for a in argv)
    text = "\0".join(argv)
    assert "{{" not in text and "}}" not in text, f"{name}: a str.format escape reaches the command: {argv}"
    for param, value in params.items():
        assert "{" + param + "}" not in text, f"{name}: {{{param}}} left in {argv}"
        assert value in text, f"{name}: {param} not substituted in {argv}"


@pytest.mark.parametrize("platform,first", [("linux", ["arping", "-f"]), ("macos", ["arping", "-I"])])
def test_arping_is_done_at_the_first_reply_where_iputils_can(platform, first):
    probe = load_all()["arping_assigned"]
    ctx = ProbeContext(ProbeSession(NothingRecorded(), platform), {"iface": "mpqemubr0", "ip": "10.0.0.5"}, None, 1.0)
    argv = LiveSource().argv(probe, ctx)
    argv = argv[2:] if argv[:2] == ["sudo", "-n"] else argv
    assert argv[:2] == first and argv[-6:] == ["mpqemubr0", "-c", "2", "-w", "2", "10.0.0.5"]


def test_bcdedit_keeps_its_braces():
    probe = load_all()["bcdedit"]
    ctx = ProbeContext(ProbeSession(NothingRecorded(), "windows"), {}, None, 1.0)
    argv = LiveSource().argv(probe, ctx)
    assert argv[-3:] == ["bcdedit", "/enum", "{current}"]


def test_render_fills_whole_placeholders_of_given_params_only():
    assert render_argv(["@{server}", "{name}", "{current}", "{{x}}", "{ip", "a{ip}b"],
                       {"server": "10.0.0.1", "name": "{current}", "ip": 7}) == \
        ["@10.0.0.1", "{current}", "{current}", "{{x}}", "{ip", "a7b"]


def test_a_live_bcdedit_run_reaches_the_command(monkeypatch):
    """The probe layer runs bcdedit's argv (here a stand-in runner) instead of erroring."""
    seen = []

    def fake_run(argv, timeout, output_cap=runner.DEFAULT_OUTPUT_CAP):
        seen.append(list(argv))
        return CommandResult(tuple(argv), 0, b"Windows Boot Loader\r\n-------------------\r\n"
                             b"identifier              {current}\r\nhypervisorlaunchtype    Auto\r\n")

    monkeypatch.setattr(runner, "run", fake_run)
    session = ProbeSession(LiveSource(), "windows")
    value = session.get("bcdedit")
    assert seen and seen[0][-1] == "{current}"
    assert value
