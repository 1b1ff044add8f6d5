# Sourced by build.sh: pushes the image archives into the bundle's registry storage
# ($bundle/registry) through a docker-registry started on a free loopback port for the build.
registry_pid=
registry_addr=

registry_dir() { echo "$bundle/registry"; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

registry_start() {
  local work config log i
  work=$(new_work_dir)
  config=$work/registry.yml
  log=$bundle/registry-build.log
  registry_addr=127.0.0.1:$(free_port)
  mkdir -p "$(registry_dir)"
  sed -e "s|@STORAGE@|$(registry_dir)|" -e "s|@ADDR@|$registry_addr|" -e "s|@READONLY@|false|" \
    "$repo/scripts/bundle/registry.yml" >"$config"
  docker-registry serve "$config" >"$log" 2>&1 &
  registry_pid=$!
  for i in $(seq 100); do
    if curl -fs -o /dev/null "http://$registry_addr/v2/"; then return; fi
    kill -0 "$registry_pid" 2>/dev/null || { tail -20 "$log" >&2; die "docker-registry exited (log: $log)"; }
    sleep 0.1
  done
  die "docker-registry not ready at $registry_addr after 10 s (log: $log)"
}

registry_stop() {
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=
  fi
}

# archive_ref ARCHIVE: the name the archive's image was committed as.
archive_ref() {
  skopeo inspect --config "oci-archive:$1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["Labels"]["org.opencontainers.image.ref.name"])'
}

# pushed_marker REF ARCHIVE: a file recording that this archive's bytes are in the registry as REF.
pushed_marker() {
  echo "$(registry_dir)/.pushed/$(echo "$1" | tr '/:' '__')@$(sha256sum <"$2" | cut -c1-16)"
}

# push_image ARCHIVE REF: copies the image into the registry under REF (kubespray's layout:
# <registry_host>/registry.k8s.io/kube-apiserver:v1.34.4).
push_image() {
  local archive=$1 ref=$2 marker
  marker=$(pushed_marker "$ref" "$archive")
  [ -n "$registry_pid" ] || registry_start
  skopeo copy --quiet --dest-tls-verify=false "oci-archive:$archive" "docker://$registry_addr/$ref"
  mkdir -p "$(dirname "$marker")"
  rm -f "$(registry_dir)/.pushed/$(echo "$ref" | tr '/:' '__')@"*
  : >"$marker"
}
