#!/bin/sh
# Installs the peers and load generators that bench/proxy-bench.mjs drives, from
# Debian's packages. Idempotent and quiet: does nothing when all are present, runs
# `apt-get update` once otherwise. The services these packages ship are stopped
# and disabled so that only the benchmark's own instances run.
set -eu

need=""
for pair in nginx:nginx haproxy:haproxy wrk:wrk h2load:nghttp2-client taskset:util-linux; do
  bin=${pair%%:*}
  pkg=${pair#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then
    need="$need $pkg"
  fi
done

if [ -n "$need" ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d exit 101 keeps the packages' init scripts from starting daemons
  # (a system nginx on :80 would only add noise to a benchmark).
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    made_policy=1
  fi
  log=$(mktemp)
  # shellcheck disable=SC2086
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $need; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    [ -n "$made_policy" ] && $SUDO rm -f "$policy"
    echo "bench/install.sh: installing$need failed" >&2
    exit 1
  fi
  rm -f "$log"
  if [ -n "$made_policy" ]; then $SUDO rm -f "$policy"; fi
fi

# Stop daemons the packages may have started anyway (systemd hosts).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for svc in nginx haproxy; do
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
fi
exit 0
