# The project's own tests on Windows (PowerShell 5.1 or 7): what ./selftest does, without bash.
# Sets up .venv with requirements.txt and requirements-dev.txt (once, and again when they change),
# then runs the selftests from selftests\. The lab's selftests need Linux and root: they skip here.
#   .\selftest.ps1            every selftest
#   .\selftest.ps1 ARGS...    pytest arguments for the selftests, e.g. .\selftest.ps1 -k bundle

Set-StrictMode -Version 2
$code = 1
$root = Split-Path -Parent $MyInvocation.MyCommand.Path
$venvPython = Join-Path $root '.venv\Scripts\python.exe'
$stamp = Join-Path $root '.venv\.installed'

# The Python to build the venv with: $env:PYTHON, else the py launcher, else python on PATH.
if ($env:PYTHON) { $py = $env:PYTHON; $pyArgs = @() }
elseif (Get-Command py -ErrorAction SilentlyContinue) { $py = 'py'; $pyArgs = @('-3') }
else { $py = 'python'; $pyArgs = @() }
if (-not (Get-Command $py -ErrorAction SilentlyContinue)) {
    [Console]::Error.WriteLine("selftest: no Python found: install Python 3.9 or newer (python.org), or set `$env:PYTHON")
    exit 1
}

Push-Location -LiteralPath $root
try {
    $ready = $true
    $stale = -not (Test-Path -LiteralPath $venvPython) -or -not (Test-Path -LiteralPath $stamp)
    foreach ($r in @('requirements.txt', 'requirements-dev.txt')) {
        if (-not $stale) { $stale = (Get-Item -LiteralPath $r).LastWriteTime -gt (Get-Item -LiteralPath $stamp).LastWriteTime }
    }
    if ($stale) {
        & $py @pyArgs -m venv .venv
        if ($LASTEXITCODE -ne 0) {
            [Console]::Error.WriteLine("selftest: could not create .venv with $py"); $ready = $false
        } else {
            & $venvPython -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
            if ($LASTEXITCODE -ne 0) {
                [Console]::Error.WriteLine('selftest: pip install -r requirements.txt -r requirements-dev.txt failed'); $ready = $false
            } else {
                New-Item -ItemType File -Force -Path $stamp | Out-Null
            }
        }
    }
    if ($ready) {
        Set-Location -LiteralPath (Join-Path $root 'selftests')
        & $venvPython -m pytest @args
        $code = $LASTEXITCODE
    }
}
finally {
    Pop-Location
}
exit $code
