#!/usr/bin/env bash
# Distributed testing on one or several nodes, with GPUs (nccl) or CPUs
# (gloo): tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py arguments]
# NNODES, NODE_RANK, MASTER_ADDR and PORT can be overridden from the
# environment; PORT defaults to a free port.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NPROC [test.py arguments]" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
HERE="$(cd "$(dirname "$0")" && pwd)"
export PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}"
PYTHON=${PYTHON:-python}

read -r PORT THREADS < <("$PYTHON" "$HERE/misc/dist_preflight.py" "$NPROC") \
    || exit 1
[ -n "${PORT:-}" ] || exit 1
"$PYTHON" "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --check-only "$@" || exit 1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$THREADS}

exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
