#!/usr/bin/env bash
# Installs the server binaries that the functions' tests start (see functions/README.md):
# PostgreSQL 15 (initdb, postgres), PgBouncer and Azurite (Microsoft's Azure Storage emulator, the
# npm package, pinned, into a cache folder the azure tests look in; NIMBUS_AZURITE overrides it).
# goaws and gofakes3 are Go modules and
# run inside the test process, so they need nothing here. internal/kubetest (the root module's
# Kubernetes tests) starts etcd from Debian's etcd-server under a kube-apiserver it builds itself.
#
# Idempotent: installs only what is missing; runs apt-get update at most once.
# Needs root (or sudo) when something is missing. CI calls it before `go test ./...`.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

updated=0
apt_install() {
	if [ "$updated" -eq 0 ]; then
		$SUDO apt-get update -qq
		updated=1
	fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

have_postgres() {
	for d in "${NIMBUS_PG_BIN:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
			return 0
		fi
	done
	command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

have_pgbouncer() {
	[ -n "${NIMBUS_PGBOUNCER:-}" ] && [ -x "${NIMBUS_PGBOUNCER}" ] && return 0
	command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]
}

if have_postgres; then
	echo "postgresql: present"
else
	echo "postgresql: installing postgresql-15"
	apt_install postgresql-15 || apt_install postgresql
fi

if have_pgbouncer; then
	echo "pgbouncer: present"
else
	echo "pgbouncer: installing"
	apt_install pgbouncer
fi

have_etcd() {
	[ -x /usr/bin/etcd ]
}

if have_etcd; then
	echo "etcd: present"
else
	echo "etcd: installing etcd-server"
	apt_install etcd-server
fi

# When the tests run as root the servers run as "postgres" (or "nobody").
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1 && ! id nobody >/dev/null 2>&1; then
	echo "neither a postgres nor a nobody user exists; creating postgres"
	useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

# Azurite: npm install --prefix a versioned cache folder (no global install, no root needed).
AZURITE_VERSION=3.37.0
AZURITE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/nimbus/azurite-$AZURITE_VERSION"
AZURITE_BIN="$AZURITE_DIR/node_modules/.bin/azurite-blob"
have_azurite() {
	[ -x "$AZURITE_BIN" ]
}

if have_azurite; then
	echo "azurite: present ($AZURITE_BIN)"
else
	if ! command -v npm >/dev/null 2>&1; then
		echo "npm: installing nodejs and npm"
		apt_install nodejs npm
	fi
	echo "azurite: installing $AZURITE_VERSION into $AZURITE_DIR"
	mkdir -p "$AZURITE_DIR"
	npm install --prefix "$AZURITE_DIR" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION"
fi

have_postgres || { echo "PostgreSQL binaries still missing" >&2; exit 1; }
have_azurite || { echo "azurite still missing ($AZURITE_BIN)" >&2; exit 1; }
have_pgbouncer || { echo "pgbouncer still missing" >&2; exit 1; }
have_etcd || { echo "etcd still missing" >&2; exit 1; }
echo "test dependencies ready"
