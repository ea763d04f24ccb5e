#!/bin/sh
# The `adsync` console, installed into .venv/bin by `make setup`. It finds the project
# from its own path (.venv/bin/adsync -> the checkout), without resolving the .venv link.
root="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHONPATH="$root/layers/shared:$root${PYTHONPATH:+:$PYTHONPATH}" exec "$root/.venv/bin/python" -m local.console "$@"
