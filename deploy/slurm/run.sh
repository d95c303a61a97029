#!/bin/bash
# Queue the scan array, then the merge once every task has succeeded.
set -euo pipefail
cd "$(dirname "$0")"
jid=$(sbatch --parsable --export=ALL scan.sbatch)
sbatch --dependency="afterok:${jid}" --export=ALL merge.sbatch
