#!/usr/bin/env bash
# Installs what smesim needs (Debian 12 packages) and builds it in build/.
# Usage: scripts/setup.sh [extra cmake arguments]. Safe to rerun: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake git pkg-config libyaml-cpp-dev libhdf5-dev hdf5-tools
          libboost-graph-dev libtbb-dev libeigen3-dev librandom123-dev libcli11-dev
          libnlopt-cxx-dev libdeflate-dev libgtest-dev libbenchmark-dev clang-format
          libopenmpi-dev openmpi-bin
          python3 python3-h5py python3-numpy python3-pandas python3-yaml
          python3-matplotlib python3-pil fonts-dejavu-core chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/smesim"
