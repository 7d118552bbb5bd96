#!/usr/bin/env bash
# One-time set-up, idempotent: system packages (LibreOffice for recalculation and PDF,
# CJK fonts, poppler, chromium for the service's browser tests) when running as root and
# they are missing, then a virtualenv with the project and its pinned dependencies. Called by `make example` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
APT_PACKAGES=(libreoffice-calc-nogui libreoffice-writer-nogui python3-uno
              libreoffice-script-provider-python fonts-noto-cjk poppler-utils chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: WARNING: missing system packages (${missing[*]}); PDF, LibreOffice and" \
         "browser tests need them: sudo apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q -e '.[test,bench]'
  touch "$stamp"
fi
