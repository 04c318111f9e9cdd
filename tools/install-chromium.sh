#!/usr/bin/env bash
# Installs Debian's chromium, which the tests use to check that the evaluate step's HTML
# report renders with its plots. As root it runs apt-get; otherwise it says what to
# install and succeeds anyway (that one test is then skipped).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [[ $(id -u) -eq 0 ]]; then
  echo "install-chromium: installing chromium (Debian package)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "install-chromium: chromium is not installed; the report rendering test will be skipped" >&2
  echo "install-chromium: to run it: sudo apt-get install chromium" >&2
fi
