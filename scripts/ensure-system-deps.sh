#!/usr/bin/env bash
# Install the system packages the tests and benchmarks need: Chromium, PostgreSQL, wrk, Node.js
# with npm (the tests run a real OpenID Connect provider, tests/oidc), and for the deployment
# test (make test-deploy) nginx, Redis and openssl.
# Idempotent: does nothing (and touches no package index) when everything is already present.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

have_chromium() {
    [[ -n "${CHROMIUM_PATH:-}" && -x "${CHROMIUM_PATH}" ]] && return 0
    [[ -x /usr/bin/chromium ]] || have chromium || have chromium-browser
}

have_initdb() {
    have initdb && return 0
    if have pg_config; then
        local bindir
        bindir="$(pg_config --bindir 2>/dev/null || true)"
        [[ -n "$bindir" && -x "$bindir/initdb" ]] && return 0
    fi
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

missing=()
have_chromium || missing+=(chromium)
have_initdb || missing+=(postgresql)
have wrk || missing+=(wrk)
have node || missing+=(nodejs)
have npm || missing+=(npm)
have_sbin() { have "$1" || [[ -x "/usr/sbin/$1" ]]; }
have_sbin nginx || missing+=(nginx)
have redis-server || missing+=(redis-server)
have openssl || missing+=(openssl)

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    if have sudo; then
        sudo=(sudo -n)
    else
        echo "ensure-system-deps: missing ${missing[*]} and not root (no sudo available)" >&2
        exit 1
    fi
fi

echo "ensure-system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >/dev/null
echo "ensure-system-deps: done" >&2
