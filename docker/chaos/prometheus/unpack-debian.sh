#!/usr/bin/env bash
# Unpacks Debian's prometheus package (prometheus, promtool) and the libjs-* packages its web UI links
# into, under .tools/prometheus/root, without installing anything: the package's install script would
# start a Prometheus server on this machine. The chaos environment assembles its Prometheus image from
# these files when the official image cannot be pulled; `promtool test rules` runs from here too.
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/../../.." && pwd)/.tools/prometheus"
if [ -x "$root_dir/root/usr/bin/prometheus" ] && [ -x "$root_dir/root/usr/bin/promtool" ]; then
  echo "prometheus already unpacked in $root_dir/root"
  exit 0
fi
command -v apt-get >/dev/null || { echo "unpack-debian.sh needs apt-get (Debian/Ubuntu); elsewhere pull ${OFFICIAL:-prom/prometheus:v2.42.0} instead" >&2; exit 1; }
packages=(prometheus fonts-glyphicons-halflings libjs-bootstrap4 libjs-eonasdan-bootstrap-datetimepicker libjs-jquery
  libjs-jquery-hotkeys libjs-moment libjs-moment-timezone libjs-mustache libjs-popper.js libjs-rickshaw libjs-d3)
mkdir -p "$root_dir/debs" "$root_dir/root"
cd "$root_dir/debs"
# apt-get download needs the package lists; refresh them once when it cannot find the packages.
apt-get download "${packages[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "${packages[@]}" >/dev/null; }
for deb in ./*.deb; do dpkg -x "$deb" "$root_dir/root"; done
echo "unpacked $(ls ./*.deb | wc -l) packages into $root_dir/root ($("$root_dir/root/usr/bin/prometheus" --version 2>&1 | head -n 1))"
