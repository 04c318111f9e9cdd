#!/usr/bin/env bash
# Builds KenLM's lmplz and build_binary from the kenlm source distribution on PyPI into
# DEST (default .venv/kenlm/bin). Needs cmake, a C++ compiler and Debian's boost, zlib,
# bz2 and lzma dev packages; as root it installs the missing ones with apt-get.
set -euo pipefail
PIP=${PIP:-.venv/bin/pip}
DEST=${1:-.venv/kenlm/bin}
if [[ -x "$DEST/lmplz" && -x "$DEST/build_binary" ]]; then exit 0; fi

packages=(cmake g++ libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "build-kenlm: installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "build-kenlm: please install: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PIP" download --quiet --no-deps --no-binary kenlm -d "$work" kenlm
tar xzf "$work"/kenlm-*.tar.gz -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'kenlm-*' | head -n1)
# The compiler's output goes to a log, shown only if the build fails.
if ! { cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DKENLM_MAX_ORDER=6 &&
       cmake --build "$work/build" --target lmplz build_binary -j "$(nproc)"; } >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  echo "build-kenlm: the build failed (output above)" >&2
  exit 1
fi
mkdir -p "$DEST"
cp "$work/build/bin/lmplz" "$work/build/bin/build_binary" "$DEST/"
echo "build-kenlm: lmplz and build_binary in $DEST"
