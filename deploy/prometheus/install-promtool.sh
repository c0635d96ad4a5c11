#!/usr/bin/env bash
# Puts promtool in .local/bin (unless one is on PATH already) for tests/unit/deploy, which checks
# the Prometheus config and rules with it. The binary comes from Debian's `prometheus` package;
# only promtool is extracted, because installing the package would also start a Prometheus
# server through its init script. Outside CI a failure only warns (the promtool tests then skip);
# under CI=true it fails, as those tests would.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$ROOT/.local/bin

if command -v promtool >/dev/null || [[ -x $BIN/promtool ]]; then
  exit 0
fi
fail() {
  echo "install-promtool: $*" >&2
  if [[ ${CI:-} == true ]]; then exit 1; fi
  echo "install-promtool: continuing without promtool; its tests will skip" >&2
  exit 0
}
command -v apt-get >/dev/null || fail "needs apt-get (Debian's packages)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
download() { apt-get -qq -o APT::Sandbox::User=root download prometheus; }
if ! download 2>/dev/null; then
  apt-get update -qq || fail "apt-get update failed"
  download || fail "apt-get download prometheus failed"
fi
mkdir -p "$BIN"
dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x -O ./usr/bin/promtool >promtool
chmod 0755 promtool
./promtool --version >/dev/null
mv promtool "$BIN/promtool"
echo "install-promtool: $("$BIN/promtool" --version 2>&1 | head -n1) in $BIN" >&2
