#!/usr/bin/env bash
# Bring up a single-node SLURM cluster (munge + slurmctld + slurmd) on this
# machine, as root, without systemd. Idempotent: re-running is a no-op when
# everything is already up with the same config. Exits 0 once `sinfo` shows
# the node idle. Set FAKE_GPU=1 to advertise one fake GPU (gres gpu:h100:1,
# File=/dev/null) so that jobs requesting --gpus/--gres=gpu can be scheduled.
#
# The project's copy of a recipe verified on Debian 12 (slurm-wlm 22.05, munge; root, 2 cores,
# no systemd, no cgroups). tests/test_slurm.py runs it with FAKE_GPU=1 and stops the daemons
# with tests/slurm/slurm_down.sh. It writes /etc/slurm/slurm.conf: a test machine's setup, not
# a real cluster's. Usage: [FAKE_GPU=1] tests/slurm/slurm_up.sh
set -euo pipefail

NODE=localhost
CPUS=$(nproc)
MEM_MB=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) * 85 / 100 ))
FAKE_GPU=${FAKE_GPU:-0}
CONF=/etc/slurm/slurm.conf
log() { echo "[slurm_up] $*" >&2; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# 1. packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
   || ! command -v sinfo >/dev/null || ! command -v munged >/dev/null; then
  log "installing packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi

# 2. munge
[ -s /etc/munge/munge.key ] || { mungekey --create --force 2>/dev/null \
   || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none; }
chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge >/dev/null

# 3. config (only rewritten when it changes)
install -d /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
GRES_LINE=""; NODE_GRES=""
if [ "$FAKE_GPU" = 1 ]; then GRES_LINE="GresTypes=gpu"; NODE_GRES="Gres=gpu:h100:1"; fi
# MinJobAge: the Snakemake plugin polls squeue (workflow/profiles/slurm): a finished job must stay
# visible there for 3 x slurm-init-seconds-before-status-checks, or the plugin falls back to
# sacct, which fails without accounting and makes Snakemake wait forever.
# MessageTimeout: Snakemake's SLURM plugin runs `scontrol show config` when it is imported, by
# every `snakemake` call; with this config left behind and the daemons stopped, the default 10 s
# makes each call wait 9 s for the controller, 2 s makes it about 1 s.
NEW=$(cat <<EOF
ClusterName=ci
SlurmctldHost=localhost
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
MessageTimeout=2
$GRES_LINE
NodeName=$NODE CPUs=$CPUS RealMemory=$MEM_MB $NODE_GRES State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
)
RESTART=0
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$NEW" ]; then
  printf '%s\n' "$NEW" > "$CONF"; RESTART=1; log "wrote $CONF"
fi
if [ "$FAKE_GPU" = 1 ]; then
  printf 'AutoDetect=off\nNodeName=%s Name=gpu Type=h100 File=/dev/null\n' "$NODE" > /etc/slurm/gres.conf
else
  rm -f /etc/slurm/gres.conf
fi

# 4. daemons (they daemonize themselves; stop only via their own pid files)
if [ "$RESTART" = 1 ]; then
  for p in /run/slurmd.pid /run/slurmctld.pid; do
    if alive "$p"; then pid=$(cat "$p"); kill "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
fi
if ! alive /run/slurmctld.pid; then
  log "starting slurmctld"; /usr/sbin/slurmctld -c   # -c: fresh state each start
fi
if ! alive /run/slurmd.pid; then
  log "starting slurmd"; /usr/sbin/slurmd -N "$NODE"
fi

# 5. wait for the node to be idle (resume it if it came up drained/down)
for i in $(seq 120); do
  st=$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null || true)
  case "$st" in
    idle|mixed|allocated|completing) log "node $NODE $st"; sinfo; exit 0 ;;
    drain*|down*|inval*) scontrol update nodename="$NODE" state=resume 2>/dev/null || true ;;
  esac
  sleep 0.5
done
log "timed out waiting for idle node (state: ${st:-none})"
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
