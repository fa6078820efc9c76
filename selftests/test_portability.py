"""No POSIX-only call on a Windows path.

The doctor runs on Windows hosts; a POSIX-only call there (os.killpg, signal.SIGKILL, fcntl,
pexpect.spawn, ...) is an AttributeError or ImportError in the user's face. This reads the
code the doctor runs (mpdiag/, fixtures/, the checks) and finds every such use that is not
behind a platform guard:

- inside `if os.name != "nt":` / `if sys.platform ...` / `if hasattr(os, "...")` (the branch
  that is not Windows: `if os.name == "nt": ... else: <here>`), or after an early
  `if os.name == "nt": return`;
- on the right of `and` after such a test (`hasattr(os, "geteuid") and os.geteuid() == 0`),
  or in the matching arm of `x if <guard> else y`;
- behind a call to a module-level function whose own body tests os.name/sys.platform (such as
  mpdiag.instances.has_pty: `if not has_pty(): return ...`);
- an import inside `try: ... except ImportError` (or ModuleNotFoundError).
Process trees are killed with psutil, which works on every OS; nothing here needs a guard.

Longer than ~300 lines on purpose: the scanner and the table of POSIX-only calls it knows are
one concern."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("mpdiag", "fixtures", "tests_host", "tests_instance", "conftest.py")

POSIX_MODULES = frozenset({"fcntl", "pwd", "grp", "termios", "tty", "pty", "resource", "crypt", "spwd",
                           "posix", "syslog", "ptyprocess", "pexpect.pty_spawn", "pexpect.pxssh"})
POSIX_ATTRS = {
    "os": frozenset({
        "killpg", "setsid", "getsid", "getpgid", "setpgid", "getpgrp", "setpgrp", "fork", "forkpty",
        "geteuid", "getuid", "getgid", "getegid", "getgroups", "setuid", "setgid", "seteuid", "setegid",
        "setreuid", "setregid", "initgroups", "chown", "lchown", "fchown", "mkfifo", "mknod", "nice",
        "uname", "sysconf", "statvfs", "fstatvfs", "getloadavg", "openpty", "ttyname", "wait3", "wait4",
        "WNOHANG", "sched_getaffinity", "sched_setaffinity", "getpriority", "setpriority", "pipe2",
        "register_at_fork", "posix_spawn", "posix_spawnp"}),
    "signal": frozenset({
        "SIGKILL", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGSTOP",
        "SIGCONT", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGWINCH", "SIGXCPU", "SIGXFSZ", "SIGVTALRM",
        "SIGPROF", "SIGIO", "SIGURG", "SIGSYS", "SIGTRAP", "SIGBUS", "alarm", "pause", "setitimer",
        "getitimer", "siginterrupt", "sigwait", "sigpending", "pthread_kill", "pthread_sigmask"}),
    "pexpect": frozenset({"spawn", "spawnu", "run", "runu", "pxssh"}),
    "subprocess": frozenset(),
}
POSIX_KEYWORDS = frozenset({"preexec_fn", "pass_fds"})  # subprocess: refused or ignored on Windows
WINDOWS_VALUES = ("nt", "win32", "win", "cygwin")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} outside an os.name/sys.platform guard"


# ---- guards -------------------------------------------------------------------------------------

def _is_platform_ref(node: ast.AST) -> bool:
    """`os.name`, `sys.platform`, `platform.system()`, `hasattr(os|signal, ...)`, `getattr(..., None)`."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return (node.value.id, node.attr) in {("os", "name"), ("sys", "platform")}
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (f.value.id, f.attr) == ("platform", "system"):
            return True
        return isinstance(f, ast.Name) and f.id == "hasattr"
    return False


def _mentions_windows(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str)
               and n.value.lower().startswith(WINDOWS_VALUES) for n in ast.walk(node))


def _polarity(test: ast.AST, guards: frozenset[str]) -> bool | None:
    """True: POSIX calls are safe where `test` is true; False: where it is false; None: no guard."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _polarity(test.operand, guards)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [_polarity(v, guards) for v in test.values]
        if isinstance(test.op, ast.And) and True in parts:
            return True  # every operand holds in the body
        if isinstance(test.op, ast.Or) and False in parts:
            return False  # every operand fails in the else
        return None
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id in guards:
        return True  # a guard function: true where POSIX things exist (has_pty)
    if isinstance(test, ast.Compare) and any(_is_platform_ref(n) for n in ast.walk(test)):
        windows = _mentions_windows(test)
        negated = any(isinstance(op, (ast.NotEq, ast.NotIn, ast.IsNot)) for op in test.ops)
        return (not windows) or negated
    if isinstance(test, ast.Call) and _is_platform_ref(test):
        call_text = ast.dump(test)
        if "startswith" in call_text or "system" in call_text:
            return not _mentions_windows(test)
        return True  # hasattr(os, "killpg")
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and _is_platform_ref(test.func.value):
        return not _mentions_windows(test)  # sys.platform.startswith("linux")
    return None


def _guard_functions(tree: ast.Module) -> frozenset[str]:
    """Module-level functions whose body decides on the platform (e.g. has_pty)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(_is_platform_ref(n) for n in ast.walk(node)):
            if node.returns is not None and isinstance(node.returns, (ast.Name, ast.Constant)) and \
                    getattr(node.returns, "id", getattr(node.returns, "value", None)) == "bool":
                names.add(node.name)
    return frozenset(names)


def _terminates(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


# ---- the walk -----------------------------------------------------------------------------------

class _Finder:
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.guards = _guard_functions(tree)
        self.aliases: dict[str, str] = {}  # local name -> "module" or "module.attr"
        self.found: list[Finding] = []
        self.block(tree.body, guarded=False, import_safe=False)

    def flag(self, node: ast.AST, what: str) -> None:
        self.found.append(Finding(self.path, getattr(node, "lineno", 0), what))

    def block(self, body: list[ast.stmt], guarded: bool, import_safe: bool) -> None:
        for stmt in body:
            self.stmt(stmt, guarded, import_safe)
            if isinstance(stmt, ast.If) and not guarded:
                pol = _polarity(stmt.test, self.guards)
                if pol is False and _terminates(stmt.body):
                    guarded = True  # `if os.name == "nt": return` guards the rest of the block
                elif pol is True and _terminates(stmt.orelse):
                    guarded = True

    def stmt(self, stmt: ast.stmt, guarded: bool, import_safe: bool) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.imports(stmt, guarded or import_safe)
            return
        if isinstance(stmt, ast.If):
            pol = _polarity(stmt.test, self.guards)
            self.expr(stmt.test, guarded)
            self.block(stmt.body, guarded or pol is True, import_safe)
            self.block(stmt.orelse, guarded or pol is False, import_safe)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            catches_import = any(_catches(h, ("ImportError", "ModuleNotFoundError")) for h in stmt.handlers)
            catches_attr = any(_catches(h, ("AttributeError",)) for h in stmt.handlers)
            self.block(stmt.body, guarded or catches_attr, import_safe or catches_import)
            for h in stmt.handlers:
                self.block(h.body, guarded, import_safe)
            self.block(stmt.orelse, guarded, import_safe)
            self.block(stmt.finalbody, guarded, import_safe)
            return
        for field, value in ast.iter_fields(stmt):
            if isinstance(value, list) and value and all(isinstance(v, ast.stmt) for v in value):
                self.block(value, guarded, import_safe)
            elif isinstance(value, list):
                for v in value:
                    if isinstance(v, ast.AST):
                        self.node(v, guarded)
            elif isinstance(value, ast.AST):
                self.node(value, guarded)

    def node(self, node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.stmt):
            self.stmt(node, guarded, False)
        else:
            self.expr(node, guarded)

    def imports(self, stmt: ast.Import | ast.ImportFrom, safe: bool) -> None:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                self.aliases[(a.asname or a.name).split(".")[0]] = a.name.split(".")[0] if not a.asname else a.name
                if not safe and (a.name in POSIX_MODULES or a.name.split(".")[0] in POSIX_MODULES):
                    self.flag(stmt, f"import {a.name}")
            return
        mod = stmt.module or ""
        for a in stmt.names:
            full = f"{mod}.{a.name}"
            self.aliases[a.asname or a.name] = full
            if safe:
                continue
            if mod in POSIX_MODULES or mod.split(".")[0] in POSIX_MODULES or full in POSIX_MODULES \
                    or a.name in POSIX_ATTRS.get(mod, ()):
                self.flag(stmt, f"from {mod} import {a.name}")

    def expr(self, node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.BoolOp):  # later operands run only when the earlier ones allow
            safe_when = isinstance(node.op, ast.And)
            for v in node.values:
                self.expr(v, guarded)
                guarded = guarded or _polarity(v, self.guards) is safe_when
            return
        if isinstance(node, ast.IfExp):
            pol = _polarity(node.test, self.guards)
            self.expr(node.test, guarded)
            self.expr(node.body, guarded or pol is True)
            self.expr(node.orelse, guarded or pol is False)
            return
        if not guarded:
            self.check(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.stmt(child, guarded, False)
            else:
                self.expr(child, guarded)

    def check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = self.aliases.get(node.value.id, node.value.id)
            if node.attr in POSIX_ATTRS.get(base, ()):
                self.flag(node, f"{base}.{node.attr}")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            full = self.aliases.get(node.id, "")
            mod, _, attr = full.rpartition(".")
            if attr and attr in POSIX_ATTRS.get(mod, ()):
                self.flag(node, full)
        elif isinstance(node, ast.keyword) and node.arg in POSIX_KEYWORDS:
            self.flag(node.value, f"{node.arg}=")


def _catches(handler: ast.ExceptHandler, names: tuple[str, ...]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in names + ("Exception", "BaseException") for t in types)


def find(source: str, path: str = "<snippet>") -> list[Finding]:
    """Every unguarded POSIX-only use in `source`."""
    return _Finder(path, ast.parse(source, path)).found


def sources() -> Iterator[Path]:
    for name in SCANNED:
        p = ROOT / name
        yield from ([p] if p.is_file() else sorted(p.rglob("*.py")))


def scan(paths: Iterable[Path]) -> list[Finding]:
    found: list[Finding] = []
    for p in paths:
        found += find(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    return found


# ---- the tree -----------------------------------------------------------------------------------

def test_the_doctor_has_no_unguarded_posix_call():
    files = list(sources())
    assert len(files) > 40, "the scan found too few files: wrong root?"
    findings = scan(files)
    assert not findings, "POSIX-only calls on a Windows path:\n" + "\n".join(map(str, findings))


# ---- the finder itself, both ways ---------------------------------------------------------------

UNGUARDED = {
    "killpg": "import os, signal\ndef kill(p):\n    os.killpg(p.pid, signal.SIGTERM)\n",
    "sigkill": "import signal\nS = signal.SIGKILL\n",
    "sighup_handler": "import signal\nsignal.signal(signal.SIGHUP, print)\n",
    "setsid": "import os\nos.setsid()\n",
    "getpgid": "import os\ndef f(pid):\n    return os.getpgid(pid)\n",
    "geteuid": "import os\nROOT = os.geteuid() == 0\n",
    "fork": "import os\npid = os.fork()\n",
    "fcntl": "import fcntl\n",
    "pwd": "import pwd\nuser = pwd.getpwuid(0)\n",
    "grp_from": "from grp import getgrnam\n",
    "termios": "def f():\n    import termios\n",
    "resource": "import resource\n",
    "pexpect_spawn": "import pexpect\nchild = pexpect.spawn('multipass', ['shell'])\n",
    "pexpect_from": "from pexpect import spawn\n",
    "alias": "import os as _os\n_os.killpg(1, 9)\n",
    "from_os": "from os import killpg\n",
    "from_signal_name": "from signal import SIGKILL\nx = SIGKILL\n",
    "windows_branch": "import os\nif os.name == 'nt':\n    os.killpg(1, 9)\n",
    "windows_platform": "import sys, os\nif sys.platform == 'win32':\n    os.setsid()\n",
    "wrong_else": "import os\nif os.name != 'nt':\n    pass\nelse:\n    os.killpg(1, 9)\n",
    "preexec": "import subprocess, os\nsubprocess.Popen(['x'], preexec_fn=print)\n",
    "or_not_a_guard": "import os\nok = os.name != 'nt' or os.geteuid() == 0\n",
    "unrelated_if": "import os\nif True:\n    os.killpg(1, 9)\n",
    "after_nonterminating_if": "import os\ndef f():\n    if os.name == 'nt':\n        print('windows')\n    os.killpg(1, 9)\n",
    "import_error_only_wraps_import": "try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\nfcntl_flag = __import__('os').getuid\nimport pwd\n",
}

GUARDED = {
    "os_name_ne": "import os, signal\nif os.name != 'nt':\n    os.killpg(1, signal.SIGKILL)\n",
    "os_name_else": "import os, signal\nif os.name == 'nt':\n    pass\nelse:\n    os.killpg(1, signal.SIGKILL)\n",
    "sys_platform": "import sys, os\nif sys.platform != 'win32':\n    os.setsid()\n",
    "sys_platform_startswith": "import sys, os\nif sys.platform.startswith('linux'):\n    os.setsid()\n",
    "darwin": "import sys, os\nif sys.platform == 'darwin':\n    os.getpgid(1)\n",
    "hasattr_and": "import os\nroot = hasattr(os, 'geteuid') and os.geteuid() == 0\n",
    "hasattr_if": "import os\nif hasattr(os, 'killpg'):\n    os.killpg(1, 9)\n",
    "early_return": "import os\ndef f():\n    if os.name == 'nt':\n        return None\n    return os.getpgid(1)\n",
    "ifexp": "import os, signal\nsig = signal.SIGTERM if os.name == 'nt' else signal.SIGKILL\n",
    "import_error": "try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n",
    "module_not_found": "try:\n    from pwd import getpwuid\nexcept ModuleNotFoundError:\n    getpwuid = None\n",
    "guard_function": ("import os\ndef has_pty() -> bool:\n    return os.name != 'nt'\n"
                       "def shell():\n    if not has_pty():\n        return 'exec'\n    import pexpect\n"
                       "    return pexpect.spawn('multipass')\n"),
    "nested_function": "import os\nif os.name != 'nt':\n    def kill(p):\n        os.killpg(p, 9)\n",
    "or_guard": "import os\nok = os.name == 'nt' or os.geteuid() == 0\n",
    "getattr_string": "import signal\nsig = getattr(signal, 'SIGHUP', None)\n",
    "portable": "import os, signal, subprocess\nsignal.signal(signal.SIGINT, print)\nos.kill(1, signal.SIGTERM)\n"
                "subprocess.Popen(['x'], start_new_session=os.name != 'nt')\nimport pexpect\n",
}


@pytest.mark.parametrize("name", sorted(UNGUARDED))
def test_an_unguarded_posix_call_is_found(name):
    found = find(UNGUARDED[name])
    assert found, f"{name}: not found in\n{UNGUARDED[name]}"
    assert all(f.line > 0 for f in found)


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_a_guarded_posix_call_is_not_flagged(name):
    assert find(GUARDED[name]) == [], f"{name}: flagged although guarded:\n{GUARDED[name]}"


def test_a_finding_names_the_file_line_and_call(tmp_path):
    assert [str(f) for f in find("import os\n\nos.killpg(1, 9)\n", "mpdiag/x.py")] == \
        ["mpdiag/x.py:3: os.killpg outside an os.name/sys.platform guard"]
