#!/usr/bin/env bash
# Installs what strata's tests need on a fresh Debian machine. Under CI=true a
# prerequisite that cannot be installed is a failure, never a silent skip.
set -euo pipefail

need=()
command -v sha256sum >/dev/null 2>&1 || need+=(coreutils)
command -v git >/dev/null 2>&1 || need+=(git)
# The SFTP test server: OpenSSH's sshd, run by the tests as a plain process.
{ [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null 2>&1; } || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
# The fidelity tests read strata's archives back with GNU tar and bsdtar;
# the README's recipes (format 2: awk, xargs, cat, zstd, tar) use zstd.
command -v tar >/dev/null 2>&1 || need+=(tar)
command -v bsdtar >/dev/null 2>&1 || need+=(libarchive-tools)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
# cgo: strata compresses chunks with the bundled libzstd when a C compiler is
# there (the pure-Go build is tested too, with CGO_ENABLED=0: see make unit).
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
# The status page's browser test: headless Chromium driven by chromedp.
{ command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; }; then
    echo "could not install ${need[*]}" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi
command -v go >/dev/null 2>&1 || { echo "Go is required (https://go.dev/dl/)" >&2; exit 1; }

# The S3 test server: versitygw (posix backend), built once into $(go env GOPATH)/bin.
# Keep the version in step with internal/testservers (VersityGWVersion).
VERSITYGW_VERSION=v1.8.0
gobin="$(go env GOBIN)"
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$gobin/versitygw" ]; then
  echo "building versitygw $VERSITYGW_VERSION into $gobin (once)"
  if ! go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"; then
    echo "could not build versitygw" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi
echo "test prerequisites: ok"
