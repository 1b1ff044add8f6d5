#!/usr/bin/env sh
# Copies the repository's CRDs (crds/, the one source) into the chart; test/charts fails when
# the two differ. Helm installs crds/ on first install only: upgrades apply them with kubectl.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rm -f "$here"/crds/*.yaml
cp "$here"/../../crds/*.yaml "$here/crds/"
