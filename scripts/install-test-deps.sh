#!/usr/bin/env bash
# Installs what strata's tests need on a fresh Debian machine. Under CI=true a
# prerequisite that cannot be installed is a failure, never a silent skip.
set -euo pipefail

need=()
command -v sha256sum >/dev/null 2>&1 || need+=(coreutils)
command -v git >/dev/null 2>&1 || need+=(git)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! { $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; }; then
    echo "could not install ${need[*]}" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi
command -v go >/dev/null 2>&1 || { echo "Go is required (https://go.dev/dl/)" >&2; exit 1; }
echo "test prerequisites: ok"
