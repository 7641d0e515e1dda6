#!/usr/bin/env bash
# The sync issue's full churn-and-faults matrix: every platform, 20 seeds,
# 20,000 orders each, one request in ten failing and a tenth of the orders
# changing during the sync. Release build; takes a while.
#   scripts/sync-matrix.sh [SEEDS] [ORDERS]
set -euo pipefail
cd "$(dirname "$0")/.."
export ORDERHUB_MATRIX_SEEDS="${1:-20}"
export ORDERHUB_MATRIX_ORDERS="${2:-20000}"
echo "matrix: $ORDERHUB_MATRIX_SEEDS seeds x $ORDERHUB_MATRIX_ORDERS orders per platform"
time cargo test --release -p orderhub-sync --test faults_and_churn -- --test-threads 1
