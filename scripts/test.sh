#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs pytest under a virtual X server with
# Mesa's software OpenGL (viewer tests draw for real; offscreen Qt cannot render).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LIBGL_ALWAYS_SOFTWARE=1 NAPARI_ASYNC=0 PYTHONHASHSEED=0 QT_QPA_PLATFORM=xcb
unset QT_QPA_PLATFORM_PLUGIN_PATH || true
exec xvfb-run -a -s "-screen 0 1600x1200x24 +extension GLX +render -noreset" \
  .venv/bin/python -m pytest -p no:cacheprovider "$@"
