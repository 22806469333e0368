#!/usr/bin/env bash
# The README's two commands:
#   ./dev.sh check [stack]   set up .venv, print the plan of the stack (default prod), then run the policy gate
#                            over it (default: every stack of the estate, `check --all`: dr, org, prod, every
#                            member prod-<name> and the preview pr-42, one pack process, one line per stack)
#   ./dev.sh test            set up .venv with the dev tools, then ruff (lint and format) and the whole test suite
# Needs only python3 (3.11+) and bash. No Pulumi CLI, no AWS credentials, no Docker.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}

setup() {
  local requirements=$1 stamp
  stamp=".venv/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    touch "$stamp"
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
  # Bytecode is cached under .venv, never in the source tree, even where PYTHONDONTWRITEBYTECODE is set (as on this
  # project's CI machines): without it every test worker and every subprocess of the suite compiles pulumi-aws,
  # boto3 and failsafe from source again (collection 7 s -> 3.5 s a worker, about 0.3 s a subprocess).
  unset PYTHONDONTWRITEBYTECODE
  export PYTHONPYCACHEPREFIX="$PWD/.venv/pycache"
}

case "${1:-}" in
  check)
    setup requirements.txt
    python -m failsafe plan "${2:-prod}"
    echo
    if [ -n "${2:-}" ]; then
      exec python -m failsafe check "$2"
    fi
    exec python -m failsafe check --all
    ;;
  test)
    setup requirements-dev.txt
    ruff check .
    ruff format --check .
    mypy  # strict on failsafe/ and components/ ([tool.mypy] in pyproject.toml)
    python -m pytest -n 2 "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh check [prod|dr|org|prod-<member>|pr-<n>]   |   ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
