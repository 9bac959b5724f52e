#!/usr/bin/env bash
# Install Alpha Arena from this source tree into a virtual environment: the one install step
# shared by the Makefile (`make demo`, `make test`, CI's .ci/run) and the Docker image.
#
#   deploy/install.sh [--editable] [--extras dev,bench] PREFIX
#
# PREFIX is the virtual environment, created (with an up-to-date pip) when it does not exist yet;
# $PYTHON (default python3) creates it. --editable installs in development mode (the Makefile);
# without it the package is built and installed as a wheel (the image). --extras names the
# optional dependency groups of pyproject.toml to add. Packages come from the package index
# that pip is configured for, and from nowhere else.
set -euo pipefail

usage() {
  echo "usage: $0 [--editable] [--extras NAME[,NAME...]] PREFIX" >&2
  exit 2
}

editable=0
extras=""
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --editable) editable=1 ;;
    --extras)
      [ $# -ge 2 ] || usage
      extras="$2"
      shift
      ;;
    --extras=*) extras="${1#--extras=}" ;;
    -h | --help) usage ;;
    -*)
      echo "error: unknown option $1" >&2
      usage
      ;;
    *)
      [ -z "$prefix" ] || usage
      prefix="$1"
      ;;
  esac
  shift
done
[ -n "$prefix" ] || usage

source_tree="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"

if [ ! -x "$prefix/bin/python" ]; then
  "$python" -m venv "$prefix"
  "$prefix/bin/python" -m pip install --quiet --upgrade pip
fi

requirement="$source_tree"
if [ -n "$extras" ]; then
  requirement="$source_tree[$extras]"
fi
if [ "$editable" = 1 ]; then
  "$prefix/bin/python" -m pip install --quiet --editable "$requirement"
else
  "$prefix/bin/python" -m pip install --quiet "$requirement"
fi

# The console script imports and runs: a broken install fails here, not at the first command.
"$prefix/bin/arena" version >/dev/null
