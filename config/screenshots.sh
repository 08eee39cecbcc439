#!/usr/bin/env bash
# Regenerate the README's pictures (docs/screenshots/*.png) from the browser tests: runs
# tests/browser/test_screenshots.py (a tour of the demo data) with SCREENSHOTS=1, which makes
# every `screenshot(page, name)` call (fixture in tests/browser/conftest.py) save a PNG. SQLite,
# Debian's chromium, 1280x800. Commit the PNGs that changed. Extra arguments go to pytest, e.g.
# another test file whose screenshot() calls should also save. Installs chromium and a Chinese font (fonts-noto-cjk; without it
# the demo data's Chinese names render as empty boxes) when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash config/setup.sh

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  need+=(fonts-noto-cjk)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "==> Installing ${need[*]} from Debian's packages"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq \
    && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || { echo "Could not install ${need[*]}: install them (apt-get install ${need[*]}) and run again." >&2; exit 1; }
fi

export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}
echo "==> Taking screenshots into docs/screenshots/"
SCREENSHOTS=1 DATABASE_URL= .venv/bin/python -m pytest tests/browser/test_screenshots.py -q "$@"
ls -l docs/screenshots/
