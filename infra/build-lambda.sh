#!/usr/bin/env bash
# Assemble the Lambda source tree that infra/template.yaml's CodeUri points at:
#   infra/build/function/{skill,content,interaction_models,requirements.txt}
# `sam build -t infra/template.yaml` then installs requirements.txt next to it.
# Usage: bash infra/build-lambda.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${1:-$here/build/function}"
rm -rf "$out"
mkdir -p "$out"
# content/ and interaction_models/ are read relative to the skill package
# (skill/content.py, skill/models.py), so they sit beside it.
for dir in skill content interaction_models; do
  cp -R "$root/$dir" "$out/$dir"
done
# The dev simulator page is served by Flask only.
rm -rf "$out/skill/static"
find "$out" -name '__pycache__' -type d -prune -exec rm -rf {} +
cp "$here/requirements.txt" "$out/requirements.txt"
echo "Lambda source assembled in $out"
