"""The doctor's options: values never taken for test paths, bad values refused up front.

pytest chooses its rootdir and ini file from the positional arguments before the doctor's
options are known, so `--reports /tmp/x` with /tmp/x existing once made pytest collect
every file under the working directory (the selftests and the root-only lab tests too).
Each option that takes a value is tried here space-separated and with `=`, its value an
existing directory, an existing file and no path at all, from several working directories:
the setup pytest ends with (rootdir, ini file, what it collects) must be the one it has
without the option.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fixtures.options import option_problem
from mpdiag.errors import InvalidName
from mpdiag.multipass import validate_name
from selftests.suite import ROOT, run_suite

# every doctor option that takes a value (fixtures/options.py), with a valid value of its own
VALUED = {
    "--replay": None, "--record": None, "--reports": None,  # any path: the value is the path
    "--probe-timeout": "3", "--probe-output-cap": "1M", "--launch-timeout": "60",
    "--instance": "primary", "--image": "noble", "--external-ip": "1.1.1.1",
    "--external-dns": "1.1.1.1", "--probe-name": "google.ie", "--mute": "macos.dns.port53_exclusive",
    "--external-https": "cloud-images.ubuntu.com:443",
}

_SETUP = textwrap.dedent("""\
    import json, os, sys
    from _pytest.config import _prepareconfig
    out = []
    for cwd, args in json.loads(sys.argv[1]):
        os.chdir(cwd)
        config = _prepareconfig(["--noconftest", *args])  # the setup is decided before any conftest
        try:
            out.append([str(config.rootpath), str(config.inipath), [str(a) for a in config.args]])
        finally:
            config._ensure_unconfigure()
    print(json.dumps(out))
    """)


def setups(cases: list[tuple[Path, list[str]]]) -> list[list]:
    """(rootdir, ini file, initial args) pytest decides for each (cwd, args), parsed only
    (nothing is collected or run), in one fresh interpreter."""
    payload = json.dumps([[str(cwd), args] for cwd, args in cases])
    proc = subprocess.run([sys.executable, "-c", _SETUP, payload], capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


NUMERIC = {"--probe-timeout", "--probe-output-cap", "--launch-timeout", "--external-https"}  # typed: a path is refused


PLACES = {  # working directory, the positional args the user gave
    "root": (ROOT, []),
    "selftests": (ROOT / "selftests", ["-k", "nothing"]),
    "fs-root": (Path("/"), [str(ROOT / "tests_host")]),
    "tempdir": (None, [f"--rootdir={ROOT}", str(ROOT / "tests_instance")]),
}


@pytest.mark.parametrize("place", PLACES)
def test_option_values_are_never_taken_for_test_paths(tmp_path, place):
    a_dir = tmp_path / "a dir"
    a_dir.mkdir()
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x")
    cwd, base = PLACES[place]
    if cwd is None:  # a directory of its own where each option's own value exists as a path
        cwd = tmp_path / "cwd"
        cwd.mkdir()
        for i, own in enumerate(sorted({v for v in VALUED.values() if v})):
            (cwd / own).mkdir() if i % 2 else (cwd / own).write_text("x")
    paths = [str(a_dir), str(a_file), str(tmp_path / "missing")]
    cases, labels = [(cwd, base)], ["reference"]
    for opt, own in VALUED.items():
        values = [*paths, "selftests"] if own is None else [own] if opt in NUMERIC else [*paths, own]
        for value in values:
            for form in ([opt, value], [f"{opt}={value}"]):
                cases.append((cwd, [*form, *base]))
                labels.append(" ".join(form))
    reference, *got = setups(cases)
    wrong = [f"{label}: {setup} instead of {reference}" for label, setup in zip(labels[1:], got)
             if setup != reference]
    assert not wrong, f"in {cwd}, {len(wrong)} of {len(got)}:\n" + "\n".join(wrong[:20])


def test_reports_into_an_existing_directory_collects_the_checks_only(tmp_path):
    """The issue's reproduction: `pytest --collect-only -q --reports /tmp/x`, /tmp/x existing."""
    reports = tmp_path / "x"
    reports.mkdir()
    for form in (["--reports", str(reports)], ["--record", str(tmp_path / "rec")]):
        (tmp_path / "rec").mkdir(exist_ok=True)
        run = run_suite("--collect-only", *form, reports=reports)
        assert run.rc == 0, run.stdout[-2000:] + run.stderr[-2000:]
        collected = [line for line in run.stdout.splitlines() if "::" in line]
        assert collected and all(line.startswith(("tests_host/", "tests_instance/")) for line in collected), \
            [line for line in collected if not line.startswith(("tests_host/", "tests_instance/"))][:5]


BAD_VALUES = [
    ("--probe-name", "-oProxyCommand=x", "is not a DNS name"),
    ("--probe-name", "a..b", "is not a DNS name"),
    ("--probe-name", "google.ie\n", "is not a DNS name"),
    ("--probe-name", "x" * 64 + ".ie", "is not a DNS name"),
    ("--external-ip", "-c", "is not an IP address"),
    ("--external-ip", "1.1.1.1 -f", "is not an IP address"),
    ("--external-dns", "-x", "is not an IP address"),
    ("--external-dns", "dns.google", "is not an IP address"),
    ("--instance", "primary\n", "is not a valid instance name"),
    ("--instance", "-x", "is not a valid instance name"),
    ("--image", "--help", "is not an image name"),
    ("--probe-timeout", "nan", "is not a positive number of seconds"),
    ("--probe-timeout", "-1", "is not a positive number of seconds"),
    ("--launch-timeout", "0", "is not a positive number of seconds"),
]


class _Config:
    """What option_problem reads of a pytest config: the parsed option values."""

    def __init__(self, **values: object) -> None:
        self.values = values

    def getoption(self, dest: str, default: object = None) -> object:
        return self.values.get(dest, default)


DEST = {"--probe-name": "mp_probe_name", "--external-ip": "mp_external_ip", "--external-dns": "mp_external_dns",
        "--instance": "mp_instance", "--image": "mp_image", "--probe-timeout": "mp_probe_timeout",
        "--launch-timeout": "mp_launch_timeout"}


@pytest.mark.parametrize("opt,value,why", BAD_VALUES, ids=[f"{o}={v!r}" for o, v, _ in BAD_VALUES])
def test_bad_values_are_named_with_what_is_wrong(opt, value, why):
    typed = float(value) if opt.endswith("timeout") else value
    problem = option_problem(_Config(**{DEST[opt]: typed}))
    assert problem is not None and problem.startswith(f"{opt}: ") and why in problem and "\n" not in problem


@pytest.mark.parametrize("opt,value,why", [BAD_VALUES[0], BAD_VALUES[8]], ids=["probe-name", "instance"])
def test_bad_values_stop_the_run_with_one_line(tmp_path, opt, value, why):
    run = run_suite("--collect-only", f"{opt}={value}", reports=tmp_path)
    assert run.rc == 4, run.stdout[-1000:] + run.stderr[-1000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and errors[0].startswith(f"ERROR: {opt}: ") and why in errors[0], run.stderr


def test_good_values_are_accepted(tmp_path):
    run = run_suite("--collect-only", "--probe-name=mail.example.org.", "--external-ip=::1",
                    "--external-dns=9.9.9.9", "--instance=a-1", "--image=daily:24.04",
                    "--probe-output-cap=512k", reports=tmp_path)
    assert run.rc == 0, run.stdout[-1000:] + run.stderr[-1000:]


@pytest.mark.parametrize("name", ["primary\n", "primary\r", "a" * 64, "1abc", "abc-", "ab_c", "pr\u0131mary", ""])
def test_validate_name_refuses_what_multipass_refuses(name):
    with pytest.raises(InvalidName):
        validate_name(name)


@pytest.mark.parametrize("name", ["primary", "a", "a-b-1", "A" * 63])
def test_validate_name_accepts_multipass_names(name):
    assert validate_name(name) == name
