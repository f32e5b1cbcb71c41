#!/usr/bin/env bash
# CI for the kernel oracle: one scenario, live, end to end. Installs what the
# oracle needs from Debian's packages (scripts/oracle-setup.sh), boots the
# real 6.12.117 kernel under QEMU TCG, runs the scenario, and fails when the
# simulator disagrees with the kernel, or when the fresh kernel run differs
# from the recorded one in oracle/recorded/ (the harness has rotted, or the
# recording is stale). About 1-2 minutes on 2 cores; capped at 10.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${ORACLE_CI_SCENARIO:-scenarios/reflink-both-mapped.poison.yaml}
[ -d node_modules/esbuild ] || npm ci
bash scripts/oracle-setup.sh
timeout 600 node oracle/run.mjs diff --live --against-recorded "$SCENARIO"
