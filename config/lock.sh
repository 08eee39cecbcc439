#!/usr/bin/env bash
# Regenerate requirements.lock: every package the app and its tests need (pyproject.toml's
# dependencies plus the `test` extra), each pinned to one version with the sha256 hashes of its
# files on the package index, resolved for Python 3.11 on Linux. config/setup.sh installs exactly
# this file with `pip install --require-hashes`, so every machine gets what CI tested.
#
#   bash config/lock.sh                          # after editing pyproject.toml: add/adjust pins,
#                                                # keep every existing pin that still fits
#   bash config/lock.sh --upgrade                # move every package to its newest allowed release
#   bash config/lock.sh --upgrade-package Django # move one package (repeatable)
#
# pip-tools runs from its own throwaway venv ($LOCK_VENV, outside the repository), never from
# .venv, so locking cannot change what the app runs with. The resolution ignores this machine's
# pip configuration (local wheel folders, extra indexes): only the default package index counts,
# so the hashes are those every machine downloads. Same pyproject.toml + same lock in = same lock out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3.11}
LOCK_VENV=${LOCK_VENV:-${TMPDIR:-/tmp}/staffdesk-lockvenv}
PIP_VERSION=26.3
PIP_TOOLS_VERSION=7.6.2

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "config/lock.sh: $PYTHON not found. The lock is resolved for Python 3.11;" \
       "install it (Debian/Ubuntu: apt-get install python3.11 python3.11-venv) or set PYTHON=." >&2
  exit 1
fi
if [ "$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "3.11" ]; then
  echo "config/lock.sh: $PYTHON is not Python 3.11; the lock must be resolved on 3.11." >&2
  exit 1
fi

# Only the default index, no local wheel folders or constraints from this machine's pip set-up.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_NO_INDEX || true

if [ ! -x "$LOCK_VENV/bin/pip-compile" ] \
   || [ "$("$LOCK_VENV/bin/pip-compile" --version 2>/dev/null)" != "pip-compile, version $PIP_TOOLS_VERSION" ]; then
  echo "==> Installing pip-tools $PIP_TOOLS_VERSION into $LOCK_VENV"
  rm -rf "$LOCK_VENV"
  "$PYTHON" -m venv "$LOCK_VENV"
  "$LOCK_VENV/bin/python" -m pip install --quiet "pip==$PIP_VERSION" "pip-tools==$PIP_TOOLS_VERSION"
fi

echo "==> Resolving pyproject.toml [test] into requirements.lock"
CUSTOM_COMPILE_COMMAND="bash config/lock.sh" "$LOCK_VENV/bin/pip-compile" \
  --quiet \
  --extra test \
  --generate-hashes \
  --strip-extras \
  --allow-unsafe \
  --no-emit-index-url \
  --no-emit-trusted-host \
  --no-emit-find-links \
  --newline LF \
  --output-file requirements.lock \
  "$@" \
  pyproject.toml

echo "==> requirements.lock: $(grep -c '^[A-Za-z0-9]' requirements.lock) pinned packages." \
     "Run the tests (bash config/test.sh), then commit pyproject.toml and requirements.lock together."
