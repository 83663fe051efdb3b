#!/usr/bin/env bash
# Prepare this host to run Proctor sandboxes: install Docker (and docker-compose), Redis, debootstrap
# and gVisor (runsc) if missing, register runsc as a Docker runtime, and make
# sure dockerd is running (there is no systemd here). Idempotent; a fast no-op
# when everything is already in place. Redis is NOT started (the app does that).
set -euo pipefail

log() { echo "setup-host: $*"; }

# 1. Packages (apt only when something is missing).
missing=()
for pkg in docker.io docker-compose redis-server debootstrap runsc; do
  [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep package scripts from starting services (redis is the app's job; dockerd is started below).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq || log "warning: apt-get update reported errors"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Register gVisor as the "runsc" runtime, merging into any existing daemon.json.
runsc_path=$(command -v runsc)
mkdir -p /etc/docker
changed=$(python3 - "$runsc_path" <<'PY'
import json, os, sys
path = "/etc/docker/daemon.json"
cfg = {}
if os.path.exists(path) and os.path.getsize(path) > 0:
    with open(path) as f:
        cfg = json.load(f)
want = {"path": sys.argv[1], "runtimeArgs": ["--network=none", "--platform=ptrace", "--host-uds=open"]}
if cfg.setdefault("runtimes", {}).get("runsc") == want:
    print("no")
else:
    cfg["runtimes"]["runsc"] = want
    with open(path + ".tmp", "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("yes")
PY
)

# 3. Start dockerd if it is not running; reload it if the runtime was just added.
pid=$(cat /var/run/docker.pid 2>/dev/null || true)
if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
  if [[ $changed == yes ]]; then
    log "runsc runtime added; reloading dockerd (SIGHUP to pid $pid)"
    kill -HUP "$pid"
  fi
elif ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  disown || true
fi

# 4. Wait (up to 60 s) for the daemon to answer and to list the runsc runtime.
for _ in $(seq 60); do
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
    log "docker is up with the runsc runtime"
    exit 0
  fi
  sleep 1
done
log "ERROR: docker did not come up with the runsc runtime within 60 s; see /var/log/dockerd.log" >&2
exit 1
