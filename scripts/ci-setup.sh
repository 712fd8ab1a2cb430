#!/usr/bin/env bash
# Installs the system packages Kiln's tests need beyond npm, on Debian bookworm, as root:
#   - chromium (Debian's own build) for the browser tests in test/browser/ (driven by playwright-core;
#     never a browser download of the test tool's own);
#   - Mesa's lavapipe Vulkan driver and the Vulkan loader from bookworm-backports, so WebGPU runs in
#     Node (the `webgpu` package, Dawn over Vulkan) on machines with no GPU.
# Idempotent: a step already done is skipped, and apt is only touched when something is missing.
# Quiet: prints one line per step; a failing command's output is shown, and the script exits non-zero.
set -euo pipefail

readonly DEBIAN_SOURCES=/etc/apt/sources.list.d/debian.sources
readonly BACKPORTS_SOURCES=/etc/apt/sources.list.d/kiln-backports.sources

export DEBIAN_FRONTEND=noninteractive

say() { echo "ci-setup: $*"; }
die() {
  echo "ci-setup: error: $*" >&2
  exit 1
}

# Runs a command with its output captured; shows the output only if the command fails.
quietly() {
  local out
  out=$(mktemp)
  if ! "$@" >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    die "failed: $*"
  fi
  rm -f "$out"
}

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

# Lavapipe's Vulkan ICD manifest (lvp_icd.json, or lvp_icd.<arch>.json in older Mesa), which mesa-vulkan-drivers installs.
has_lavapipe() { compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs Debian packages)"
# shellcheck source=/dev/null
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || die "expects Debian bookworm, found ${PRETTY_NAME:-an unknown system}"

apt_updated=false
apt_update() {
  if ! $apt_updated; then
    quietly apt-get -qq update
    apt_updated=true
  fi
}

# Prints field $2 of the deb822 stanza in file $1 whose Suites list plain `bookworm`.
bookworm_field() {
  awk -v field="$2" '
    BEGIN { RS = "" }
    {
      n = split($0, lines, "\n"); suites = 0; value = ""
      for (i = 1; i <= n; i++) {
        if (lines[i] ~ /^Suites:/ && (" " substr(lines[i], 8) " ") ~ /[ \t]bookworm[ \t]/) suites = 1
        if (index(lines[i], field ":") == 1) { value = substr(lines[i], length(field) + 2); gsub(/^[ \t]+|[ \t]+$/, "", value) }
      }
      if (suites && value != "") { print value; exit }
    }' "$1"
}

has_backports_source() {
  grep -qsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}

# 1. chromium
if installed chromium && [ -x /usr/bin/chromium ]; then
  say "chromium already installed"
else
  say "installing chromium"
  apt_update
  quietly apt-get -qq install -y --no-install-recommends chromium
fi

# 2. a bookworm-backports source beside the main one, with the same mirror and keyring
if has_backports_source; then
  say "bookworm-backports source already present"
else
  [ -r "$DEBIAN_SOURCES" ] || die "$DEBIAN_SOURCES is missing: cannot tell which Debian mirror to use for bookworm-backports"
  uris=$(bookworm_field "$DEBIAN_SOURCES" URIs)
  [ -n "$uris" ] || die "no URIs: line for the bookworm suite in $DEBIAN_SOURCES"
  signed_by=$(bookworm_field "$DEBIAN_SOURCES" Signed-By)
  say "adding bookworm-backports source ($BACKPORTS_SOURCES, URIs: $uris)"
  {
    echo "Types: deb"
    echo "URIs: $uris"
    echo "Suites: bookworm-backports"
    echo "Components: main"
    if [ -n "$signed_by" ]; then echo "Signed-By: $signed_by"; fi
  } >"$BACKPORTS_SOURCES.tmp"
  mv "$BACKPORTS_SOURCES.tmp" "$BACKPORTS_SOURCES"
  apt_updated=false # the new source needs its lists
fi

# 3. Mesa lavapipe (software Vulkan) from bookworm-backports, and the Vulkan loader
mesa_version=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
if installed mesa-vulkan-drivers && [[ "$mesa_version" == *bpo12* ]] && installed libvulkan1 && has_lavapipe; then
  say "mesa-vulkan-drivers $mesa_version (bookworm-backports) and libvulkan1 already installed"
else
  say "installing mesa-vulkan-drivers and libvulkan1 from bookworm-backports"
  apt_update
  quietly apt-get -qq install -y --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1
  has_lavapipe || die "mesa-vulkan-drivers is installed but has no lavapipe ICD in /usr/share/vulkan/icd.d"
fi

say "done"
