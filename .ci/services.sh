#!/usr/bin/env bash
# Install the real components tests talk to, from Debian's packages; each step is skipped when the
# component is already there. The tests start their own throwaway instances (see tests/pg_server.py).
set -uo pipefail

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq || true; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL (team backend) -------------------------------------------------------------------
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "services: installing PostgreSQL"
  apt_install postgresql || echo "services: PostgreSQL could not be installed; its tests will be skipped"
fi

# --- Chromium (headless rendering of the HTML reports; tests/test_report_screenshot.py) ----------
if [ ! -x /usr/bin/chromium ]; then
  echo "services: installing Chromium"
  apt_install chromium fonts-dejavu-core || echo "services: Chromium could not be installed; report screenshot tests will be skipped"
fi
