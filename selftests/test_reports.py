"""The reports through the real suite: HTML, Allure (and its rendering), JUnit, diagnosis.json,
xdist, muting, the exit status.

Longer than ~300 lines on purpose: every report of a run is tested on the same few runs."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mpdiag import catalog
from selftests.ci_templates import allure_cli
from selftests.suite import ROOT, SCENARIOS, SuiteRun, run_suite

FAILING = Path(__file__).parent / "data" / "reports" / "failing_daemon"
DAEMON = "macos.multipass.daemon"
REMEDY_TITLE = "Start (or reinstall) the Multipass daemon"
COMMAND = "sudo launchctl load -w /Library/LaunchDaemons/com.canonical.multipassd.plist"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The failing bundle, under a home-like path with a user name in it (it shows in the report)."""
    dest = tmp_path_factory.mktemp("b") / "home" / "alice" / "failing_daemon"
    shutil.copytree(FAILING, dest)
    return dest


def _run(tmp_path_factory, *args: str) -> SuiteRun:
    return run_suite(*args, reports=tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def failing(bundle, tmp_path_factory) -> SuiteRun:
    return _run(tmp_path_factory, "--replay", str(bundle))


@pytest.fixture(scope="module")
def failing_xdist(bundle, tmp_path_factory) -> SuiteRun:
    return _run(tmp_path_factory, "--replay", str(bundle), "-n", "2")


@pytest.fixture(scope="module")
def muted(bundle, tmp_path_factory) -> SuiteRun:
    return _run(tmp_path_factory, "--replay", str(bundle), "--mute", DAEMON)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> SuiteRun:
    return _run(tmp_path_factory, "--replay", str(SCENARIOS / "macos" / "healthy"))


def page(run: SuiteRun) -> str:
    return (run.reports / "report.html").read_text()


def html_check(run: SuiteRun, check_id: str) -> str:
    """The check's article in the doctor's page."""
    m = re.search(rf'<article class="check [a-z]+" data-outcome="[a-z]+" id="check-{re.escape(check_id)}">.*?</article>',
                  page(run), re.S)
    assert m, f"no HTML article for {check_id}"
    return m.group(0)


def allure_result(run: SuiteRun, check_id: str) -> dict:
    found = []
    for f in (run.reports / "allure-results").glob("*-result.json"):
        r = json.loads(f.read_text())
        if any(lb["name"] == "story" and lb["value"] == check_id for lb in r["labels"]):
            found.append(r)
    assert len(found) == 1, f"{len(found)} Allure results for {check_id}"
    return found[0]


# --- exit status -----------------------------------------------------------------------------
def test_exit_status(healthy, failing, muted):
    assert healthy.rc == 0, healthy.stdout[-2000:]
    assert failing.rc == 1, failing.stdout[-2000:]
    assert muted.rc == 0, muted.stdout[-2000:]


# --- one option moves every report -------------------------------------------------------------
def test_every_report_lands_in_reports_dir(failing):
    for name in ("diagnosis.json", "report.html", "junit.xml", "allure-results"):
        assert (failing.reports / name).exists(), name


# --- HTML ----------------------------------------------------------------------------------------
def test_html_holds_verdict_todo_path_tree_remedy_and_probe_outputs(failing):
    text = page(failing)
    assert "Multipass network doctor" in text
    assert re.search(r'<section class="verdict problem" id="verdict"><h1>Network setup problem', text)
    todo = text[text.index('id="todo"'):text.index('id="path"')]
    assert html.escape(REMEDY_TITLE) in todo and html.escape(COMMAND) in todo and 'class="copy"' in todo
    assert '<svg class="path"' in text and 'data-hop="daemon" data-state="failed"' in text
    assert '<li class="taken" data-class="generic">' in text
    assert "<script src" not in text and "default-src 'none'" in text  # self-contained, no request
    detail = html_check(failing, DAEMON)
    assert 'data-outcome="failed"' in detail and 'href="https://documentation.ubuntu.com/multipass/' in detail
    assert "<details><summary>probe multipass_version" in detail
    assert text.index('data-class="generic"><h3>') < text.index('data-class="dns"><h3>')  # the guide's order


def test_html_skip_reasons_are_text(healthy):
    text = page(healthy)
    assert "Skipped: macos.vmnet.subnet_in_192_168:" in text or "Skipped: " in text
    assert "fixtures/checks.py" not in text and "('/" not in text


def test_html_and_issue_md_are_redacted_with_the_environment(failing):
    text = page(failing)
    issue = (failing.reports / "issue.md").read_text()
    for secret in ("alice", "3c:22:fb:12:34:56", "81.2.69.160"):
        assert secret not in text, secret
        assert secret not in issue, secret
    env = text[text.index('id="environment"'):]
    for row in ("<th>Multipass</th><td>1.16.3+mac</td>", "<th>Driver</th><td>qemu</td>", "<th>Mode</th><td>replay</td>",
                "<th>multipassd</th><td>(unknown)</td>"):
        assert row in env, row
    assert "<th>Redacted</th><td>yes" in env
    detail = html_check(failing, DAEMON)
    assert "/Users/&lt;user-1&gt;/Library" in detail and "&lt;mac-1&gt;" in detail and "&lt;public-ip-1&gt;" in detail
    assert "&lt;user-1&gt;@&lt;host-1&gt;" in detail  # the prompt, same user placeholder


def test_issue_md_holds_the_failing_check_its_finding_and_the_triage(failing):
    issue = (failing.reports / "issue.md").read_text()
    assert issue.startswith("# Network setup problem")
    rec = failing.check(DAEMON)
    assert f"**{DAEMON}**" in issue and "## Triage" in issue and "Multipass: 1.16.3+mac" in issue
    finding = rec["message"].split("\nRemedy: ")[0].split(": ", 1)[1].split()[0]
    assert finding in issue
    assert "## multipassd's log" not in issue  # the bundle holds no log
    last = [ln for ln in failing.stdout.splitlines() if ln.strip()][-1]
    assert str(failing.reports / "issue.md") in last


def test_issue_md_carries_the_daemon_logs_last_lines_when_it_is_down(tmp_path):
    run = run_suite("--replay", str(SCENARIOS / "macos" / "daemon-down"), "-p", "no:allure_pytest", reports=tmp_path)
    issue = (tmp_path / "issue.md").read_text()
    assert run.check("macos.multipass.daemon")["outcome"] == "failed"
    assert "## multipassd's log (last 20 lines)" in issue
    log = (SCENARIOS / "macos" / "daemon-down" / "probes" / "multipassd_log.out").read_text().rstrip().splitlines()
    assert log[-1].split()[-1] in issue


def test_no_redact_keeps_the_originals(bundle, tmp_path):
    run_suite("--replay", str(bundle), "--no-redact", "-p", "no:allure_pytest", reports=tmp_path)
    text = (tmp_path / "report.html").read_text()
    assert "alice" in text and "3c:22:fb:12:34:56" in text
    assert "<th>Redacted</th><td>no" in text


def test_html_option_still_gives_pytest_htmls_report(bundle, tmp_path):
    out = tmp_path / "pytest-html.html"
    run_suite("--replay", str(bundle), f"--html={out}", "-p", "no:allure_pytest", reports=tmp_path / "r")
    text = out.read_text()
    assert 'data-jsonblob="' in text and DAEMON in text and "alice" not in text
    assert (tmp_path / "r" / "report.html").is_file()


# --- only what applies -----------------------------------------------------------------------------
def test_other_platforms_checks_are_not_collected_on_a_known_platform(failing, bundle, tmp_path):
    assert not [c for c in failing.diagnosis["checks"] if c["id"].startswith(("windows.", "linux."))]
    nc = failing.diagnosis["not_collected"]
    n = sum(1 for c in catalog.CHECKS if c.platform in ("windows", "linux"))
    assert nc["count"] == n and nc["line"] in page(failing).replace("&#x27;", "'")
    assert f"{n} Linux and Windows checks not collected: the replayed bundle's host is macOS" in failing.stdout
    asked = run_suite("--replay", str(bundle), "-m", "windows", "-p", "no:allure_pytest", reports=tmp_path)
    recs = asked.diagnosis["checks"]
    assert recs and all(c["outcome"] == "skipped" and "Windows check; the replayed bundle's host is macos"
                        in c["message"] for c in recs)


# --- Allure ------------------------------------------------------------------------------------
def test_allure_labels_links_steps_attachments(failing):
    r = allure_result(failing, DAEMON)
    labels = {(lb["name"], lb["value"]) for lb in r["labels"]}
    assert {("parentSuite", "macos"), ("feature", "generic"), ("story", DAEMON), ("as_id", DAEMON), ("check_id", DAEMON),
            ("severity", "critical")} <= labels
    assert r["status"] == "failed"
    assert REMEDY_TITLE in r["description"] and COMMAND in r["description"]
    assert any(lk["url"].startswith("https://documentation.ubuntu.com/multipass/") for lk in r["links"])
    steps = [s for s in r.get("steps", []) if s["name"].startswith("probe multipass_version")]
    assert steps and steps[0]["attachments"], r.get("steps")
    for att in steps[0]["attachments"]:
        assert (failing.reports / "allure-results" / att["source"]).is_file()
    out = next(a for a in steps[0]["attachments"] if a["name"] == "multipass_version.out")
    assert "1.16.3+mac" in (failing.reports / "allure-results" / out["source"]).read_text()


def test_allure_environment_and_categories(failing):
    results = failing.reports / "allure-results"
    props = (results / "environment.properties").read_text()
    assert "platform=macos" in props and "multipass=1.16.3+mac" in props and "mode=replay" in props
    cats = json.loads((results / "categories.json").read_text())
    names = [c["name"] for c in cats]
    assert any(n.startswith("Generic") for n in names) and any(n.startswith("Could not run") for n in names)
    generic = next(c for c in cats if c["name"].startswith("Generic"))
    message = allure_result(failing, DAEMON)["statusDetails"]["message"]
    assert re.fullmatch(generic["messageRegex"], message), (generic["messageRegex"], message)


def test_allure_severity_rule():
    from fixtures.allure_report import severity

    assert severity("instance.arp.extra_ips", "arp") == "minor"
    assert severity("macos.interference.vpn_clients", "routing") == "minor"
    assert severity("instance.dns.gateway", "dns") == "normal"
    assert severity("macos.route.vpn_nat", "routing") == "critical"


@pytest.mark.slow
def test_allure3_generates_a_report_with_the_failing_check(failing, tmp_path):
    """Render with the Allure 3 CLI (npm `allure@3`), installed in a cache dir, never globally."""
    cli = allure_cli()
    if cli is None:
        pytest.skip("the Allure 3 CLI could not be had (npm/node missing, or npm install allure@3 failed)")
    out = tmp_path / "allure-report"
    proc = subprocess.run([str(cli), "generate", str(failing.reports / "allure-results"), "-o", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (out / "index.html").is_file()
    texts = [p.read_text(errors="replace") for p in out.rglob("*.json")]
    assert any(DAEMON in t for t in texts)
    assert any(REMEDY_TITLE in t for t in texts)


# --- JUnit -------------------------------------------------------------------------------------
def test_junit_properties(failing):
    root = ET.parse(failing.reports / "junit.xml").getroot()
    case = next(tc for tc in root.iter("testcase")
                if any(p.get("name") == "check_id" and p.get("value") == DAEMON for p in tc.iter("property")))
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props == {"check_id": DAEMON, "problem_class": "generic", "outcome": "failed", "muted": "false"}
    assert case.find("failure") is not None


# --- diagnosis.json and xdist ---------------------------------------------------------------------
def test_xdist_gives_the_same_outcomes_and_one_set_of_reports(failing, failing_xdist):
    assert failing_xdist.outcomes() == failing.outcomes()
    assert failing_xdist.outcomes()[DAEMON] == "failed"
    assert failing_xdist.rc == failing.rc == 1
    assert failing_xdist.diagnosis["environment"] == failing.diagnosis["environment"]
    assert failing_xdist.diagnosis["triage"] == failing.diagnosis["triage"]
    allure_result(failing_xdist, DAEMON)  # exactly one result for the check
    html_check(failing_xdist, DAEMON)
    assert failing_xdist.diagnosis["not_collected"] == failing.diagnosis["not_collected"]
    assert len([p for p in failing_xdist.reports.iterdir() if p.name.endswith(".html")]) == 1


def test_diagnosis_carries_every_check(failing):
    d = failing.diagnosis
    assert d["format"] == 1 and d["platform"] == "macos" and d["mode"] == "replay"
    assert {c["outcome"] for c in d["checks"]} <= {"passed", "failed", "error", "skipped", "warned"}
    rec = failing.check(DAEMON)
    assert rec["muted"] is False and rec["title"] and COMMAND in rec["message"]
    assert d["triage"]["check"] == DAEMON


# --- muting ------------------------------------------------------------------------------------
def test_muted_failure_is_shown_never_hidden(muted):
    rec = muted.check(DAEMON)
    assert rec["outcome"] == "failed" and rec["muted"] is True
    assert muted.diagnosis["triage"] is None
    assert "MUTED" in muted.stdout or "muted" in muted.stdout
    assert f"muted (not counted): {DAEMON} (failed)" in muted.stdout
    assert "(muted: not counted" in html_check(muted, DAEMON) and 'data-outcome="failed"' in html_check(muted, DAEMON)
    r = allure_result(muted, DAEMON)
    assert r["status"] == "failed" and ("tag", "muted") in {(lb["name"], lb["value"]) for lb in r["labels"]}
    root = ET.parse(muted.reports / "junit.xml").getroot()
    assert any(p.get("name") == "muted" and p.get("value") == "true" for p in root.iter("property"))


def test_mute_ini_list(bundle, tmp_path):
    run = run_suite("--replay", str(bundle), "-o", f"mute={DAEMON}", "-p", "no:allure_pytest", reports=tmp_path)
    assert run.rc == 0, run.stdout[-2000:]
    assert run.check(DAEMON)["muted"] is True


def test_muting_an_unknown_id_is_a_usage_error(bundle, tmp_path):
    run = run_suite("--replay", str(bundle), "--mute", "macos.no.such.check", reports=tmp_path)
    assert run.rc == 4 and "macos.no.such.check" in run.stderr


# --- recording --------------------------------------------------------------------------------
def test_record_is_redacted_by_default(tmp_path):
    for flag, expected in ((None, True), ("--no-redact", False)):
        dest = tmp_path / f"bundle-{expected}"
        args = ["--record", str(dest), "tests_host/macos/test_multipass.py", "-p", "no:allure_pytest"]
        run_suite(*args, *([flag] if flag else []), reports=tmp_path / f"r-{expected}")
        assert json.loads((dest / "manifest.json").read_text())["redacted"] is expected


# --- atomic, per-run reports: concurrent runs, Ctrl-C ----------------------------------------------
RUN_ID = re.compile(r"\d{8}T\d{6}Z-\d+-[0-9a-f]{6}")


def _popen(reports: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    argv = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", f"--reports={reports}", *args]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)


def run_ids_of(reports: Path) -> set[str]:
    """Parse every artefact in `reports` (a failure if one does not parse) and return the run IDs
    they carry; one set of whole reports carries exactly one."""
    ids: set[str] = set()
    names = {p.name for p in reports.iterdir() if not p.name.startswith(".")}
    assert names <= {"diagnosis.json", "report.html", "issue.md", "junit.xml", "allure-results"}, names
    if "diagnosis.json" in names:
        ids.add(json.loads((reports / "diagnosis.json").read_text())["run_id"])
    if "junit.xml" in names:
        root = ET.parse(reports / "junit.xml").getroot()
        ids |= {p.get("value") for p in root.iter("property") if p.get("name") == "run_id"}
    for name in ("report.html", "issue.md"):
        if name in names:
            text = (reports / name).read_text()
            assert name != "report.html" or text.rstrip().endswith("</html>"), f"{name} is cut"
            ids |= set(RUN_ID.findall(text))
    results = reports / "allure-results"
    if results.is_dir():
        props = dict(line.split("=", 1) for line in (results / "environment.properties").read_text().splitlines())
        ids.add(props["run_id"])
        for f in results.glob("*-result.json"):
            labels = json.loads(f.read_text()).get("labels", [])
            ids |= {lb["value"] for lb in labels if lb["name"] == "run_id"}
    return ids


def test_concurrent_runs_never_mix(bundle, tmp_path):
    """Three runs into one reports/ at once: no internal error, every artefact whole, all of one run."""
    reports = tmp_path / "reports"
    procs = [_popen(reports, "--replay", str(b)) for b in (bundle, SCENARIOS / "macos" / "healthy", bundle)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode in (0, 1), out[-2000:] + err[-2000:]
        assert "INTERNALERROR" not in out + err
    ids = run_ids_of(reports)
    assert len(ids) == 1, ids
    d = json.loads((reports / "diagnosis.json").read_text())
    results = list((reports / "allure-results").glob("*-result.json"))
    assert len(results) == len(d["checks"])  # one run's results, not two runs' mixed
    assert not [p for p in reports.iterdir() if p.name.startswith(".")]  # no staging dir left behind


def _interrupt_when(proc: subprocess.Popen, stream, marker: str, count: int = 1) -> None:
    """Send SIGINT once `marker` has been seen `count` times on `stream` (or the run ended)."""
    seen = 0
    for line in stream:
        if marker in line:
            seen += 1
            if seen >= count:
                proc.send_signal(signal.SIGINT)
                return


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX")
@pytest.mark.parametrize("moment", ["first-result", "tenth-result", "publishing"])
def test_ctrl_c_leaves_the_previous_or_the_new_reports_whole(bundle, tmp_path, moment):
    reports = tmp_path / "reports"
    first = run_suite("--replay", str(bundle), reports=reports)
    assert first.rc == 1
    previous = run_ids_of(reports)
    assert len(previous) == 1
    env = {"MPDIAG_PUBLISH_PAUSE": "3"} if moment == "publishing" else {}
    proc = _popen(reports, "--replay", str(bundle), env=env)
    if moment == "publishing":
        _interrupt_when(proc, proc.stderr, "publishing paused")
    else:
        _interrupt_when(proc, proc.stdout, "::test_", 1 if moment == "first-result" else 10)
    out, err = proc.communicate(timeout=120)
    assert "Traceback (most recent call last)" not in err, err[-3000:]
    assert proc.returncode in ((2,) if moment == "publishing" else (1, 2)), (proc.returncode, err[-2000:])
    ids = run_ids_of(reports)
    assert len(ids) == 1, ids  # previous or new, never a mix
    if proc.returncode == 2 and ids != previous:
        assert json.loads((reports / "diagnosis.json").read_text())["interrupted"] is (moment != "publishing")


INTERRUPT_AT_START = """
import os, signal
import pytest

@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the session starts (after the first probes)
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to itself is POSIX")
def test_ctrl_c_while_the_session_starts_is_an_interrupted_run_with_whole_reports(bundle, tmp_path):
    """pytest finishes no session that did not finish starting: the doctor holds Ctrl-C until the
    collection starts, so the run still ends as interrupted, with its reports."""
    (tmp_path / "interrupt_at_start.py").write_text(INTERRUPT_AT_START)
    reports = tmp_path / "reports"
    run = run_suite("--replay", str(bundle), "-p", "interrupt_at_start", reports=reports,
                    env={"PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))})
    assert run.rc == 2, run.stdout[-2000:] + run.stderr[-2000:]
    assert "Traceback (most recent call last)" not in run.stderr, run.stderr[-3000:]
    assert len(run_ids_of(reports)) == 1
    diag = json.loads((reports / "diagnosis.json").read_text())
    assert diag["interrupted"] is True and diag["checks"] == []


IN_PROCESS_TWICE = """
import gc, sys
import pytest
args = ["-q", "-p", "no:cacheprovider", "--replay", sys.argv[1], "--reports", sys.argv[2], "tests_instance"]
for n in range(2):
    rc = pytest.main(args)
    print("RUN", n, int(rc), gc.get_freeze_count())
"""


def test_an_in_process_run_leaves_the_heap_thawed(tmp_path):
    """The suite freezes what the collection loaded (the collector skips it) and thaws it once
    pytest's own last collection is over: a process that runs pytest again gets its memory back."""
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS_TWICE, str(SCENARIOS / "linux" / "healthy"),
                           str(tmp_path / "r")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    runs = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("RUN ")]
    assert runs == [["0", "0", "0"], ["1", "0", "0"]], proc.stdout[-2000:] + proc.stderr[-2000:]
