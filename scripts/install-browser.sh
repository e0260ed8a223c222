#!/bin/sh
# Installs Debian's Chromium for the browser tests (Playwright drives it through executablePath;
# no browser is downloaded by Playwright itself). Needs root or sudo the first time.
set -e
CHROMIUM=${NEWSEARCH_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
