#!/usr/bin/env bash
# The console's end-to-end tests drive Debian's Chromium (never a browser
# downloaded by Playwright): install it when this machine lacks it.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  sudo=sudo
fi
echo "installing Debian's chromium for the console's browser tests"
${sudo:-} apt-get update -qq
DEBIAN_FRONTEND=noninteractive ${sudo:-} apt-get install -y -qq chromium >/dev/null
