#!/usr/bin/env bash
# Install the toolkit's stack into the running Debian trixie system (as root):
# the Debian packages of containers/packages.txt, then containers/pip-packages.txt.
# Used by the Dockerfile and the Apptainer definition; the bubblewrap launcher
# installs the same two lists with mmdebstrap.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
names() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$1" | grep -v '^$'; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq $(names "$here/packages.txt")
# shellcheck disable=SC2046
python3 -m pip install --quiet --break-system-packages --no-cache-dir $(names "$here/pip-packages.txt")
rm -rf /var/lib/apt/lists/*
