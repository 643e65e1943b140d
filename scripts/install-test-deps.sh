#!/usr/bin/env bash
# Installs what the tests need beyond Python when it is missing: a real PostgreSQL server, Redis
# and nginx (make cluster), Chromium for the browser tests (Debian/Ubuntu packages; needs root
# or sudo), and axe-core, the accessibility checker the browser tests run in the page (from the
# npm registry, into $AXE_CORE_DIR, by default ~/.cache/shop-assistant-axe, outside the
# repository).
set -euo pipefail

AXE_CORE_DIR="${AXE_CORE_DIR:-$HOME/.cache/shop-assistant-axe}"

missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# make cluster and tests/cluster start their own Redis (lock store) and nginx (load balancer).
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# tests/email start their own Dovecot (IMAP) holding the support mailbox.
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
need_axe=0
[ -f "$AXE_CORE_DIR/node_modules/axe-core/axe.min.js" ] || need_axe=1
if [ "$need_axe" -eq 1 ] && ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "test dependencies: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$need_axe" -eq 1 ]; then
  echo "test dependencies: installing axe-core 4 into $AXE_CORE_DIR"
  mkdir -p "$AXE_CORE_DIR"
  npm install --silent --no-audit --no-fund --prefix "$AXE_CORE_DIR" axe-core@4 >/dev/null
fi
