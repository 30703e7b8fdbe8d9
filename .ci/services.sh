#!/usr/bin/env bash
# Install and start the real components tests talk to; each step is skipped when already present.
set -uo pipefail
echo "services: none yet"
