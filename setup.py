"""What the wheel holds (the rest of the metadata is in pyproject.toml).

- `mpdiag/` and `fixtures/`: the library and the pytest plugins, importable as today.
- `multipass_doctor/`: the suite `multipass-doctor` runs, i.e. the project root mapped as a
  package: conftest.py, pytest.ini, tests_host/, tests_instance/ and the example bundle
  (scenarios/macos/vpn-route-hijack). In a checkout nothing moves: `pytest -m macos` at the
  root runs the same files. New subpackages are found, not listed.
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

SUITE = "multipass_doctor"
suite_packages = find_packages(include=["tests_host", "tests_host.*", "tests_instance", "tests_instance.*"])



class BuildPy(build_py):
    """The suite's root holds one module of the suite: conftest.py (not this file)."""

    def find_package_modules(self, package, package_dir):
        found = super().find_package_modules(package, package_dir)
        return [m for m in found if package != SUITE or m[1] == "conftest"]


setup(
    cmdclass={"build_py": BuildPy},
    packages=[*find_packages(include=["mpdiag", "mpdiag.*", "fixtures", "fixtures.*"]),
              SUITE, *(f"{SUITE}.{p}" for p in suite_packages)],
    package_dir={SUITE: "."},
    package_data={SUITE: ["pytest.ini", "scenarios/macos/vpn-route-hijack/**/*"]},
    include_package_data=False,
)
