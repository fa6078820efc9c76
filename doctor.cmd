@echo off
rem The main job from cmd.exe: what ./doctor does, without bash (doctor.ps1 is the PowerShell one).
rem Sets up .venv with the requirements (once, and again when requirements.txt changes), then diagnoses.
rem   doctor.cmd              live on this host when Multipass is installed, else (without --replay)
rem                           the example replay bundle scenarios\macos\vpn-route-hijack
rem   doctor.cmd ARGS...      any pytest arguments, e.g. doctor.cmd -m dns, doctor.cmd --replay bundle.tar.gz
rem The exit status is pytest's (0 nothing failed, 1 a check failed or could not run, 2-5 pytest's own).
setlocal EnableExtensions
pushd "%~dp0"
set "VPY=.venv\Scripts\python.exe"
if defined PYTHON (set "PY=%PYTHON%") else (
  where py >nul 2>&1 && (set "PY=py -3") || (set "PY=python")
)
set "STALE="
if not exist "%VPY%" set "STALE=1"
if not exist ".venv\.installed" set "STALE=1"
if not defined STALE (
  "%VPY%" -c "import os,sys; sys.exit(os.path.getmtime('requirements.txt') > os.path.getmtime('.venv/.installed'))" || set "STALE=1"
)
if defined STALE (
  %PY% -m venv .venv || (echo doctor: could not create .venv with %PY% 1>&2 & set "RC=1" & goto :done)
  "%VPY%" -m pip install -q --disable-pip-version-check -r requirements.txt || (echo doctor: pip install -r requirements.txt failed 1>&2 & set "RC=1" & goto :done)
  type nul > ".venv\.installed"
)
set "EXTRA="
set "REPLAYING="
rem (for splits --replay=PATH at the =, so both forms show up as --replay)
for %%a in (%*) do if /i "%%~a"=="--replay" set "REPLAYING=1"
if not defined REPLAYING (
  where multipass >nul 2>&1 || (
    echo doctor: no multipass on this machine; replaying the example bundle scenarios\macos\vpn-route-hijack 1>&2
    set "EXTRA=--replay scenarios\macos\vpn-route-hijack"
  )
)
"%VPY%" -m pytest %EXTRA% %*
set "RC=%ERRORLEVEL%"
:done
popd
endlocal & exit /b %RC%
