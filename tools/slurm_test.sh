#!/usr/bin/env bash
# Testing on a Slurm cluster:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# Each Slurm task is one rank with one GPU (nccl). On CPU-only nodes set
# GPUS_PER_NODE=0 and choose the ranks with TASKS (default 1) and
# TASKS_PER_NODE (default TASKS): no GPU is requested and the ranks use gloo.
# The srun options come from tools/misc/slurm_tasks.py.
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
shift 4
SRUN_ARGS=${SRUN_ARGS:-""}
HERE="$(cd "$(dirname "$0")" && pwd)"
export PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}"
PYTHON=${PYTHON:-python}

"$PYTHON" "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --check-only "$@" || exit 1
read -r -a TASK_ARGS < <("$PYTHON" "$HERE/misc/slurm_tasks.py") || exit 1
[ "${#TASK_ARGS[@]}" -gt 0 ] || exit 1
# shellcheck disable=SC2086
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    "${TASK_ARGS[@]}" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --launcher slurm "$@"
