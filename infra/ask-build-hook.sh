#!/usr/bin/env bash
# ask-cli's custom build flow for the Lambda code (hooks/build.sh in the project that
# `hiprest package --deployer cfn` writes). ask-cli runs it in a copy of lambda/ with
# the zip file to write as $1. Used instead of ask-cli's python-pip flow, which would
# install the binary wheels of the developer's own machine (macOS, arm64...): these
# are the Linux x86_64 CPython 3.13 wheels the function runs on.
set -euo pipefail
out="$1"
# With a local Python 3.13, ship bytecode for the function's interpreter (a faster cold
# start: /var/task is read-only, so Lambda cannot cache what it compiles); otherwise none.
py=python3 compile=--no-compile
if python3.13 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then
  py=python3.13 compile=--compile
fi
"$py" -m pip install --quiet --disable-pip-version-check "$compile" --no-warn-conflicts \
  --platform manylinux2014_x86_64 --implementation cp --python-version 3.13 \
  --only-binary=:all: --target . -r requirements.txt
if [ "$compile" = --compile ]; then "$py" -m compileall -q skill; fi
"$py" - "$out" <<'PY'
import os, sys, zipfile
out = os.path.abspath(sys.argv[1])
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
    for folder, _dirs, files in os.walk("."):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.abspath(path) != out:
                zf.write(path, os.path.relpath(path, "."))
PY
