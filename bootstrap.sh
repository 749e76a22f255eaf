#!/usr/bin/env bash
# Set up the course and then open it or test it:
#   bash bootstrap.sh lab    JupyterLab on the course (nbgrader and Jupytext extensions active)
#   bash bootstrap.sh test   the whole test suite, as CI runs it
#   bash bootstrap.sh setup  only install: .venv, and bubblewrap for sandboxed grading (instructors)
# Needs Python 3.11 (python3.11, or python3 if that is 3.11; or set PYTHON=...).
# Installing is skipped when nothing it depends on has changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

mode="${1:-}"
shift || true  # anything after the mode goes to JupyterLab (lab) or pytest (test)
case "$mode" in
  lab|test|setup) ;;
  *) echo "usage: bash bootstrap.sh lab|test|setup" >&2; exit 2 ;;
esac

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

python_311() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is required (tried \$PYTHON, python3.11, python3)." >&2
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: bubblewrap, the sandbox every student's kernel runs in at autograde
# (instructor/sandbox.py), for setup and tests; a real browser for the tests only (Playwright
# drives it; its own download cannot work offline).
system_packages() {
  local missing=()
  command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
  if [ "$mode" = test ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    # The class-server test (tests/test_hub.py) builds its venv from Debian's python3.11 (a venv of
    # another build may be unreadable by the students' accounts) and installs the Hub's proxy with npm.
    /usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3.11 python3.11-venv)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (Debian packages)"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "cannot install ${missing[*]}: no apt-get on this machine" >&2; return 1
  fi
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

venv() {
  local requirements=requirements.txt
  [ "$mode" = test ] && requirements=requirements-dev.txt
  local inputs
  inputs=$(cat requirements*.txt pyproject.toml | sha256sum | cut -c1-16)
  local stamp=".venv/.installed-$inputs-$requirements"
  # The test packages include the course's own: a test install serves the lab too.
  [ -e ".venv/.installed-$inputs-requirements-dev.txt" ] && stamp=".venv/.installed-$inputs-requirements-dev.txt"
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    say "creating .venv"
    rm -rf .venv
    "$(python_311)" -m venv .venv
  fi
  if [ ! -e "$stamp" ]; then
    say "installing pinned packages into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
    # setuptools warns at length about editable installs; show its output only if it fails.
    local log
    log=$(.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1) ||
      { echo "$log" >&2; return 1; }
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
  # Every process importing nbformat would spend ~3 s building a parser it never uses.
  local site
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  cp tools/lazy_rfc3987.py "$site/course_lazy_rfc3987.py"
  echo "import course_lazy_rfc3987" > "$site/course_lazy_rfc3987.pth"
  # JupyterLab opens MyST notebooks (source/*/*.md) as notebooks, through Jupytext.
  mkdir -p .venv/share/jupyter/lab/settings
  cp jupyterlab-overrides.json .venv/share/jupyter/lab/settings/overrides.json
  # nbgrader's exchange for this course (see nbgrader_config.py): it must exist and
  # be writable by everyone who submits.
  mkdir -p .exchange && chmod 1777 .exchange
}

venv
case "$mode" in
  setup)
    system_packages || echo "autograde runs students' code in bubblewrap: install it with" \
      "'sudo apt-get install bubblewrap' (README: Grading safely and in parallel)" >&2
    say "set up: .venv is ready" ;;
  lab)
    say "opening JupyterLab on the course (Ctrl-C to stop)"
    # Containers and CI machines often run as root, which Jupyter refuses unless told.
    [ "$(id -u)" = 0 ] && set -- --allow-root "$@"
    exec .venv/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$PWD" "$@" ;;
  test)
    system_packages
    say "running the test suite"
    exec .venv/bin/python -m pytest "$@" ;;
esac
