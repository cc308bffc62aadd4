#!/usr/bin/env bash
# Runs `make demo`, the README's run command, in CI, and leaves the machine as it found it: the
# demo ends with the cluster up for a person to explore, so a cluster the demo started is stopped
# again, and a state directory it created is purged (as the e2e suite does).
set -euo pipefail
cd "$(dirname "$0")/.."
make build >/dev/null
state=$(bin/kubernaut dev cluster env 2>/dev/null | sed -n 's/^export KUBERNAUT_DEV_STATE_DIR=//p' || true)
state=${state:-/var/lib/kubernaut-dev}
was_running=false
bin/kubernaut dev cluster status >/dev/null 2>&1 && was_running=true
existed=false
[ -d "$state" ] && existed=true
status=0
DEMO_DIR="$(mktemp -d)" make demo || status=$?
if [ "$was_running" = false ]; then
  if [ "$existed" = false ]; then bin/kubernaut dev cluster down --purge; else bin/kubernaut dev cluster down; fi
fi
exit "$status"
