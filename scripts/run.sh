#!/usr/bin/env bash
# The main job: opens napari on the built-in digits comparison with the mapper graphs built.
# With no display it runs the same pipeline headless (on a virtual X server) and writes a PNG of
# the canvas and the graphs as JSON to ./out (or the folder given with --out).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ]; then
  exec .venv/bin/python -m napari_topoalign "$@"
fi
export LIBGL_ALWAYS_SOFTWARE=1 QT_QPA_PLATFORM=xcb
exec xvfb-run -a -s "-screen 0 1600x1200x24 +extension GLX +render -noreset" \
  .venv/bin/python -m napari_topoalign --headless "$@"
