#!/usr/bin/env bash
# Debian packages the whole test suite needs; installs only what is missing (a no-op otherwise).
#   chromium            Playwright browser tests (never `playwright install`)
#   postgresql          the throwaway server started by .ci/pg.sh
#   fonts-dejavu-core   text in the offline engine's images
#   nginx               the proxy in front of the app processes (make cluster, tests/load/test_cluster.py)
#   make, python3-venv  for `make` and `python3 -m venv` on a bare image
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need+=(nginx)
command -v make >/dev/null || need+=(make)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)

if [ "${#need[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    cat >&2 <<MSG
error: missing system packages: ${need[*]}
  Installing them needs root. Either run this as root (e.g. \`sudo make test\`), or install them once:
    sudo apt-get install -y ${need[*]}
  (Without them the PostgreSQL and browser tests cannot run; \`make test\` requires everything.)
MSG
    exit 1
  fi
else
  SUDO=()
fi

echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need[@]}" >/dev/null
echo "system packages installed: ${need[*]}"
