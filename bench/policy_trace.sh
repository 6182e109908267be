#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/policy_trace.sh - the tar trace on an aged machine under
# page_alloc_policy=6.5 and =6.18 side by side (bench/policy_trace.py):
# $MM_RESULTS/policy_trace.json, the table in $MM_RESULTS/policy_trace.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/policy_trace.py "$@"
