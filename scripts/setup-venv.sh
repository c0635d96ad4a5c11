#!/usr/bin/env bash
# `make setup`: the project venv with the pinned dependencies, on a fresh machine too.
# The Makefile runs this only when pyproject.toml or constraints.txt changed (stamp file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"; }
}

# pyicu (a dependency of rigour) has no wheels: pip builds it against the system ICU, found
# with pkg-config, using a C++ compiler. Not needed once it is installed in the venv.
if ! "$VENV/bin/python" -c 'import icu' 2>/dev/null; then
  missing=()
  pkg-config --exists icu-uc 2>/dev/null || missing+=(libicu-dev pkg-config)
  command -v c++ >/dev/null || missing+=(g++)
  if ((${#missing[@]})); then
    if ((EUID == 0)) && command -v apt-get >/dev/null; then
      echo "setup: installing ${missing[*]} (pyicu builds from source)"
      apt_install "${missing[@]}"
    else
      echo "setup: pyicu needs ICU headers and a C++ compiler: sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
fi

if [[ ! -x $VENV/bin/python ]]; then
  echo "setup: creating $VENV with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
echo "setup: installing the project and its pinned dependencies into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
