# The main job on Windows (PowerShell 5.1 or 7): what ./doctor does, without bash.
# Sets up .venv with the requirements (once, and again when requirements.txt changes), then diagnoses.
#   .\doctor.ps1              live on this host when Multipass is installed, else (without --replay)
#                             the example replay bundle scenarios\macos\vpn-route-hijack
#   .\doctor.ps1 ARGS...      any pytest arguments, e.g. .\doctor.ps1 -m dns, .\doctor.ps1 --replay bundle.tar.gz
# If scripts are blocked: powershell -NoProfile -ExecutionPolicy Bypass -File doctor.ps1 ARGS... (or doctor.cmd).
# Paths in ARGS are relative to this directory (as with ./doctor). The exit status is pytest's:
# 0 nothing failed, 1 a check failed or could not run, 2-5 pytest's own.

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
    [Console]::Error.WriteLine("doctor: no Python found: install Python 3.9 or newer (python.org), or set `$env:PYTHON")
    exit 1
}

Push-Location -LiteralPath $root
try {
    $ready = $true
    $stale = -not (Test-Path -LiteralPath $venvPython) -or -not (Test-Path -LiteralPath $stamp)
    foreach ($r in @('requirements.txt')) {
        if (-not $stale) { $stale = (Get-Item -LiteralPath $r).LastWriteTime -gt (Get-Item -LiteralPath $stamp).LastWriteTime }
    }
    if ($stale) {
        & $py @pyArgs -m venv .venv
        if ($LASTEXITCODE -ne 0) {
            [Console]::Error.WriteLine("doctor: could not create .venv with $py"); $ready = $false
        } else {
            & $venvPython -m pip install -q --disable-pip-version-check -r requirements.txt
            if ($LASTEXITCODE -ne 0) {
                [Console]::Error.WriteLine('doctor: pip install -r requirements.txt failed'); $ready = $false
            } else {
                New-Item -ItemType File -Force -Path $stamp | Out-Null
            }
        }
    }
    if ($ready) {
        $pytestArgs = @($args)
        $replaying = @($args | Where-Object { "$_" -eq '--replay' -or "$_" -like '--replay=*' }).Count -gt 0
        if (-not $replaying -and -not (Get-Command multipass -ErrorAction SilentlyContinue)) {
            $example = 'scenarios\macos\vpn-route-hijack'
            [Console]::Error.WriteLine("doctor: no multipass on this machine; replaying the example bundle $example")
            $pytestArgs = @('--replay', $example) + $pytestArgs
        }
        & $venvPython -m pytest @pytestArgs
        $code = $LASTEXITCODE
    }
}
finally {
    Pop-Location
}
exit $code
