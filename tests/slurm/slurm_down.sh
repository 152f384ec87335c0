#!/usr/bin/env bash
# Stop the single-node SLURM cluster of tests/slurm/slurm_up.sh: slurmd, slurmctld, then munged.
# Each daemon is stopped through its own pid file, never by name (pkill/killall would also hit
# daemons of other users or containers sharing the process table). A missing or stale pid file
# means that daemon is not running: nothing to do. Exits 0 once all three are gone.
set -euo pipefail

log() { echo "[slurm_down] $*" >&2; }

stop() {  # stop <name> <pid file>: SIGTERM, wait up to 10 s, then SIGKILL
  local name=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if ! kill -0 "$pid" 2>/dev/null; then rm -f "$file"; return 0; fi
  log "stopping $name ($pid)"
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop: SIGKILL"; kill -9 "$pid"; fi
  rm -f "$file"
}

# slurmd before slurmctld (the node reports to the controller), munge last (both use it).
stop slurmd /run/slurmd.pid
stop slurmctld /run/slurmctld.pid
stop munged /run/munge/munged.pid
