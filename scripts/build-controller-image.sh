#!/usr/bin/env bash
# Builds Slipway's controller image offline, like the job image: a Debian minbase root
# filesystem (debootstrap from the mirror apt uses here), Node.js, Slipway's compiled dist/src,
# its production node_modules and playbooks, run as uid 65532 with the entrypoint
# `node /opt/slipway/dist/src/cli/main.js` (so `… controller --namespace …`). Cached outside
# the checkout by a hash of every input. Runs as root (debootstrap, chroot). Needs `npm run build`.
#   bash scripts/build-controller-image.sh     prints the archive's path on stdout
# Node.js: Debian 12's nodejs is 18, older than Slipway's engines (>= 20.11). The image takes
# this machine's node binary when it is a Debian package's (dpkg -S) of a version >= 20.11; its
# package name and version are recorded in the image's labels. SLIPWAY_NODE_BIN overrides it.
# Settings: SLIPWAY_IMAGE_CACHE, SLIPWAY_DEBIAN_SUITE, SLIPWAY_DEBIAN_MIRROR, SLIPWAY_NODE_BIN.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/stage-timer.sh"
source "$repo/scripts/lib/job-rootfs.sh"
source "$repo/scripts/lib/oci-pack.sh"
source "$repo/scripts/lib/scratch-dir.sh"

die() { echo "build-controller-image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
for tool in debootstrap umoci skopeo npm; do
  command -v "$tool" >/dev/null || die "$tool is missing"
done
[ -f "$repo/dist/src/cli/main.js" ] || die "no dist/src/cli/main.js: run npm run build first"
[ -d "$repo/node_modules" ] || die "no node_modules: run npm ci first"

suite=${SLIPWAY_DEBIAN_SUITE:-bookworm}
mirror=$(debian_mirror) || exit 1
# node links libstdc++ and libgcc_s; ca-certificates for rediss:// and an apiserver by name.
packages=ca-certificates,libstdc++6,libgcc-s1

node_bin=$(readlink -f "${SLIPWAY_NODE_BIN:-$(command -v node)}")
node_version=$("$node_bin" --version)
node_major_minor=${node_version#v}
IFS=. read -r major minor _ <<<"$node_major_minor"
{ [ "$major" -gt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -ge 11 ]; }; } || die "$node_bin is $node_version; Slipway needs >= 20.11"
node_package=$(dpkg -S "$node_bin" 2>/dev/null | cut -d: -f1 | head -1 || true)
node_origin=${node_package:+$node_package $(dpkg-query -W -f='${Version}' "$node_package")}
[ -n "${SLIPWAY_NODE_BIN:-}" ] || [ -n "$node_package" ] || die "$node_bin belongs to no Debian package; set SLIPWAY_NODE_BIN to a node binary to use"
node_origin=${node_origin:-$node_bin}

version=$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$repo/package.json")
ref=slipway/controller:$version
cache=${SLIPWAY_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway/images}

inputs() {
  printf 'suite %s\nmirror %s\npackages %s\nnode %s %s %s\nref %s\n' \
    "$suite" "$mirror" "$packages" "$node_version" "$node_origin" "$(sha256sum <"$node_bin" | cut -d' ' -f1)" "$ref"
  # node_modules/.package-lock.json is npm's record of the installed tree.
  (cd "$repo" && find dist/src dist/console console/index.html console/styles.css playbooks src/controller/lua crds package.json package-lock.json node_modules/.package-lock.json \
    scripts/build-controller-image.sh scripts/lib -type f ! -name '*.pyc' ! -name '*.map' -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum)
}
key=$(inputs | sha256sum | cut -c1-16)
out=$cache/controller-$key
archive=$out/slipway-controller.oci.tar

if [ -f "$archive" ]; then
  echo "build-controller-image: $ref cached (inputs $key)" >&2
  echo "$archive"
  exit 0
fi

scratch_dir_open "$cache"
rootfs=$build/rootfs
app=$build/app

# stage_app DIR: package.json, the lock, node_modules without devDependencies (npm prune works
# offline: it only removes), dist/src, the console's front end, playbooks, and the Lua scripts and
# CRDs read at run time.
stage_app() {
  local dir=$1
  install -d -m 755 "$dir" "$dir/dist" "$dir/node_modules"
  cp "$repo/package.json" "$repo/package-lock.json" "$dir/"
  cp -a "$repo/node_modules/." "$dir/node_modules/"
  (cd "$dir" && npm prune --omit=dev --offline --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
  # Scopes whose packages were all dev-only stay behind empty.
  find "$dir/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
  cp -a "$repo/dist/src" "$dir/dist/src"
  # The console's front end (`slipway console`): its compiled modules and its page.
  cp -a "$repo/dist/console" "$dir/dist/console"
  install -d -m 755 "$dir/console"
  cp "$repo/console/index.html" "$repo/console/styles.css" "$dir/console/"
  find "$dir/dist" -name '*.map' -delete
  cp -a "$repo/playbooks" "$dir/playbooks"
  # Files the compiled code reads at run time, where it looks for them (relative to dist/src).
  install -d -m 755 "$dir/src/controller"
  cp -a "$repo/src/controller/lua" "$dir/src/controller/lua"
  cp -a "$repo/crds" "$dir/crds"
  find "$dir/playbooks" -name __pycache__ -prune -exec rm -rf {} +
}

# install_controller ROOTFS APP: node, the app at /opt/slipway, the user.
install_controller() {
  local rootfs=$1 dir=$2
  install -m 755 "$node_bin" "$rootfs/usr/bin/node"
  install -d -m 755 "$rootfs/opt"
  cp -a "$dir" "$rootfs/opt/slipway"
  chown -R 0:0 "$rootfs/opt/slipway"
  chmod -R a+rX,go-w "$rootfs/opt/slipway"
  echo "slipway:x:$JOB_UID:$JOB_UID:Slipway controller:/home/slipway:/usr/sbin/nologin" >>"$rootfs/etc/passwd"
  echo "slipway:x:$JOB_UID:" >>"$rootfs/etc/group"
  echo "slipway:!:19000::::::" >>"$rootfs/etc/shadow"
  install -d -m 700 -o "$JOB_UID" -g "$JOB_UID" "$rootfs/home/slipway"
}

check_controller() {
  chroot --userspec="$JOB_UID:$JOB_UID" "$1" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/home/slipway \
    sh -c 'node --version && node /opt/slipway/dist/src/cli/main.js controller --help | head -1'
}

echo "build-controller-image: building $ref (inputs $key) from $mirror $suite, node $node_version ($node_origin)" >&2
stage "debootstrap $suite minbase" debootstrap_rootfs "$rootfs" "$suite" "$mirror" "$cache/debs" "$packages"
stage "stage app (prod deps)" stage_app "$app"
stage "install controller" install_controller "$rootfs" "$app"
stage "check as uid $JOB_UID" check_controller "$rootfs" >&2
stage "clean" clean_rootfs "$rootfs"
mkdir -p "$build/out"
# MALLOC_ARENA_MAX=2: glibc's per-thread malloc arenas cost the controller ~45 MiB of RSS at
# 1000 clusters × 2 operations (bench/fleet.ts: peak 299 → 254 MiB); at 10000 operations the
# peaks of runs with and without it differed less than runs of the same setting.
# NODE_OPTIONS=--max-semi-space-size=1 (MiB): V8 grows its young generation to 16 MiB semi-spaces (48 MiB of
# heap reserved) under the controller's bursts of watch events; 1 MiB cost no measurable CPU
# or latency and 16 MiB less RSS at 10 clusters (docs/performance.md, "Controller memory").
stage "commit OCI archive" oci_pack "$rootfs" "$build/out/slipway-controller.oci.tar" "$ref" "$key" \
  --config.user "$JOB_UID:$JOB_UID" \
  --config.entrypoint node --config.entrypoint /opt/slipway/dist/src/cli/main.js \
  --config.workingdir /tmp \
  --config.env PATH=/usr/bin:/bin \
  --config.env LANG=C.UTF-8 \
  --config.env NODE_ENV=production \
  --config.env MALLOC_ARENA_MAX=2 \
  --config.env NODE_OPTIONS=--max-semi-space-size=1 \
  --config.env SLIPWAY_BUILTIN_DIR=/opt/slipway/playbooks \
  --config.label "org.opencontainers.image.title=Slipway controller" \
  --config.label "io.slipway.node=$node_version ($node_origin)"
inputs >"$build/out/inputs.txt"
mv "$build/out" "$out"

stages_summary
echo "build-controller-image: $ref -> $archive ($(du -h "$archive" | cut -f1))" >&2
echo "$archive"
