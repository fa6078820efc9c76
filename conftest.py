"""Thin: the doctor's plugins live in fixtures/."""

pytest_plugins = [
    "fixtures.options",
    "fixtures.session",
    "fixtures.prefetching",
    "fixtures.hosts",
    "fixtures.ssh_hosts",
    "fixtures.checks",
    "fixtures.applicable",
    "fixtures.records",
    "fixtures.instances",
    "fixtures.target",
    "fixtures.reporting",
    "fixtures.progress",
    "fixtures.html_report",
    "fixtures.allure_report",
    "fixtures.compare",
]
