#!/usr/bin/env bash
# Build a minimal Debian bookworm image with debootstrap and `docker import` it: the test's
# Docker engine can pull nothing, so every image starts from one of these.
#
#   base-image.sh TAG MIRROR PACKAGE[,PACKAGE...]
#
# MIRROR is the Debian mirror the host's apt uses. The host's extra CA certificates
# (/usr/local/share/ca-certificates) are trusted inside too, so that pip in a build can reach
# the package index wherever the host can. DOCKER names the docker client (default: docker).
set -euo pipefail
tag=$1 mirror=$2 include=$3
docker=${DOCKER:-docker}

root=$(mktemp -d /var/tmp/khasan-rootfs.XXXXXX)
cleanup() {
  # A failed debootstrap may leave /proc or /sys mounted in the tree: never delete through them.
  awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r \
    | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$root" "$root.log"
}
trap cleanup EXIT
if ! debootstrap --variant=minbase --include="$include" bookworm "$root" "$mirror" \
    >"$root.log" 2>&1; then
  tail -n 40 "$root.log" >&2
  exit 1
fi
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null \
    && [ -x "$root/usr/sbin/update-ca-certificates" ]; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/*
tar --numeric-owner -C "$root" -c . | "$docker" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  - "$tag" >/dev/null
