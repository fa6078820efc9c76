"""The report renderers as pure functions of a diagnosis record: the headline, the path
model (which checks test which hop), the SVG, the page's sections, issue.md."""

from __future__ import annotations

import json

import pytest

from mpdiag import catalog
from mpdiag.report import html, issue_md, path, svg, verdict
from selftests.suite import SCENARIOS, run_suite


@pytest.fixture(scope="module")
def hijack(tmp_path_factory) -> dict:
    dest = tmp_path_factory.mktemp("hijack")
    run_suite("--replay", str(SCENARIOS / "macos" / "vpn-route-hijack"), "-p", "no:allure_pytest", reports=dest)
    return json.loads((dest / "diagnosis.json").read_text())


def test_every_catalog_check_tests_some_hop():
    for c in catalog.CHECKS:
        assert path.hops_of(c.id), c.id
    assert path.hops_of("macos.route.subnet_on_bridge") == ("routing",)
    assert path.hops_of("linux.dnsmasq.serving") == ("dhcp", "dns")
    assert path.hops_of("macos.multipass.daemon") == ("daemon",)


def test_the_headline_names_the_class_and_what_was_found(hijack):
    h = verdict.headline(hijack)
    assert h["state"] == "problem" and h["title"].startswith("Routing problem: ")
    assert "utun4" in h["title"] and "bridge100" in h["title"]
    assert verdict.next_steps(hijack)["commands"][0].startswith("sudo route -nv add -net 192.168.252.0/24")


def test_the_path_carries_real_names_and_marks_the_failing_hop(hijack):
    hops = {h.key: h for h in path.build(hijack)}
    assert hops["routing"].state == "failed" and hops["routing"].failing() == ["macos.route.subnet_on_bridge"]
    assert hops["dns"].state == "passed" and hops["internet"].state == "untested"
    assert "bridge100" in hops["bridge"].labels and "gateway 192.168.252.1" in hops["bridge"].labels
    assert any("utun4" in x for x in hops["uplink"].labels)
    assert any("primary 192.168.252.2" in x for x in hops["instance"].labels)
    picture = svg.render(list(hops.values()))
    assert 'data-hop="routing" data-state="failed"' in picture and "http://" not in picture.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_a_clean_run_and_an_empty_one_say_so():
    clean = {"checks": [{"id": "macos.multipass.daemon", "outcome": "passed", "problem_class": "generic"}],
             "triage": None}
    assert verdict.headline(clean)["state"] == "clean" and verdict.next_steps(clean) is None
    empty = {"checks": [{"id": "macos.multipass.daemon", "outcome": "skipped", "problem_class": "generic"}]}
    assert verdict.headline(empty)["state"] == "empty"
    assert "No check could reach a verdict" in issue_md.render(empty)
    page = html.render(empty)
    assert 'id="todo"' not in page and "<svg" in page and page.rstrip().endswith("</html>")


def test_a_section_is_one_function(hijack):
    extra = lambda doc: '<section id="changes">since last night</section>'  # noqa: E731
    html.SECTIONS.append(extra)
    try:
        assert '<section id="changes">since last night</section>' in html.render(hijack)
    finally:
        html.SECTIONS.remove(extra)


def test_markup_in_a_finding_is_text(hijack):
    doc = json.loads(json.dumps(hijack))
    for c in doc["checks"]:
        if c["id"] == "macos.route.subnet_on_bridge":
            c["message"] = c["id"] + ': <script>alert(1)</script> & "x"\nRemedy: r'
    page = html.render(doc)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert issue_md._fence("a ``` b").startswith("````\n")  # a fence inside a finding cannot close ours
