#!/usr/bin/env bash
# Builds the offline fallback base image for connector images (default tag
# backflow/node-base:20) without pulling anything: a root filesystem holding the host's
# `node` binary and the shared libraries `ldd` lists for it, imported with `docker import`.
# Connector Dockerfiles use `FROM ${BASE_IMAGE}` with node:20-slim as the default;
# scripts/build-images.mjs passes this image instead when node:20-slim is not present.
#
# Usage: scripts/build-base-image.sh [tag]     (skips the build when the tag exists;
#        BACKFLOW_REBUILD_BASE=1 forces it)
set -euo pipefail

tag="${1:-backflow/node-base:20}"

if [[ "${BACKFLOW_REBUILD_BASE:-0}" != 1 ]] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag already present"
  exit 0
fi

node_bin="$(readlink -f "$(command -v node)")"
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
if [[ "$tag" == *:[0-9]* && "${tag##*:}" != "$node_major" ]]; then
  echo "error: host node is v$node_major but the tag $tag names another major version" >&2
  exit 1
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/run" "$rootfs/app" \
  "$rootfs/home/nobody" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys"
chmod 1777 "$rootfs/tmp"
cp "$node_bin" "$rootfs/usr/local/bin/node"

# Every library node links against, at the path the dynamic loader looks for it.
# (`ldd` prints "name => /path (addr)" for libraries and "/path (addr)" for the loader.)
while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done < <(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/home/nobody:/usr/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"

# CA certificates let connectors speak TLS to real APIs; node also bundles its own roots.
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
fi

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'WORKDIR /app' \
  --change 'CMD ["node"]' \
  --message "backflow offline node base (host node $("$node_bin" --version))" \
  - "$tag" >/dev/null

echo "built base image $tag (node $("$node_bin" --version))"
