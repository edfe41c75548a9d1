#!/usr/bin/env bash
# Installs what `make bench` needs: Debian's restic, borgbackup, zstd, OpenSSH
# and GNU time, and an rclone built from the very module version strata links
# (Debian's rclone is older, and its S3 backend breaks on AWS_CA_BUNDLE).
# The rclone binary is cached in .cache/bin; delete it to rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in restic:restic borg:borgbackup zstd:zstd sshd:openssh-server ssh:openssh-client \
            scp:openssh-client openssl:openssl tar:tar sha256sum:coreutils; do
  cmd=${pair%%:*} pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # Another apt may hold the lock on a shared machine: wait for it.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}"
fi

version=$(go list -m -f '{{.Version}}' github.com/rclone/rclone)
bin=.cache/bin/rclone
if [ ! -x "$bin" ] || ! "$bin" version 2>/dev/null | head -1 | grep -qF "rclone $version"; then
  echo "bench: building rclone $version (the version strata links) into $bin"
  mkdir -p .cache/bin
  GOBIN="$PWD/.cache/bin" go install "github.com/rclone/rclone@$version"
fi
echo "bench prerequisites: ok (rclone $version)"
