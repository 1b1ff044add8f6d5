# Sourced by build.sh: builds Go binaries from the wrapper modules in tools/, one at a time.

# go_wrapper_version WRAPPER MODULE: the version tools/WRAPPER pins for MODULE.
go_wrapper_version() {
  (cd "$repo/tools/$1" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2")
}

# require_wrapper WRAPPER MODULE VERSION: fails unless tools/WRAPPER pins MODULE at VERSION.
require_wrapper() {
  local wrapper=$1 module=$2 version=$3 pinned
  [ -f "$repo/tools/$wrapper/go.mod" ] || die "no wrapper module tools/$wrapper for $module $version (make one with scripts/bundle/new-go-wrapper.sh, or new-kube-wrapper.sh for Kubernetes)"
  pinned=$(go_wrapper_version "$wrapper" "$module")
  [ "$pinned" = "$version" ] || die "tools/$wrapper pins $module $pinned, not $version"
}

# go_build WRAPPER OUT_FILE PACKAGE [LDFLAGS [TAGS]]: a static binary (CGO_ENABLED=0 unless the
# caller exports CGO_ENABLED=1 with its own -extldflags), written atomically.
go_build() {
  local wrapper=$1 out=$2 pkg=$3 ldflags=${4:-} tags=${5:-}
  mkdir -p "$(dirname "$out")"
  # -p 2: the machine is shared; one link of kube-apiserver alone needs several GiB.
  (cd "$repo/tools/$wrapper" && CGO_ENABLED=${CGO_ENABLED:-0} GOFLAGS=-mod=readonly go build -p 2 -trimpath \
    -tags "$tags" -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
}
