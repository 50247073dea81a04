#!/usr/bin/env bash
# Install Debian's chromium for the HTML report screenshot test when it is missing (needs root + apt).
set -uo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the report screenshot test"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "ensure-chromium: chromium is not installed and could not be; the screenshot test will be skipped" >&2
exit 0
