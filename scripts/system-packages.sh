#!/usr/bin/env bash
# Installs the Debian packages Ombud needs (idempotent: does nothing when all are there).
#   pango/harfbuzz + a font: WeasyPrint's PDF rendering of generated documents
#   chromium: the browser the web tests drive (a browser download from elsewhere fails here)
#   ripgrep: the floor `make bench` compares `ombud discover code` with (bench/discover_scan.py)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core chromium ripgrep "$@")
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "system-packages: missing Debian packages ${need[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
