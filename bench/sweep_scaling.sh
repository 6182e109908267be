#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/sweep_scaling.sh - libmm.sweep's speed-up from 1 to 2 workers, local
# pool and Dask LocalCluster (bench/sweep_scaling.py says how it is measured).
exec "${PYTHON:-/usr/bin/python3}" "$(dirname "$0")/sweep_scaling.py"
