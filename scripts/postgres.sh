#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for tests and benchmarks, and prints
# the URL to reach it. Usage:
#   eval "$(scripts/postgres.sh start)"   # exports EMBER_TEST_POSTGRES_URL and EMBER_PG_DIR
#   scripts/postgres.sh stop "$EMBER_PG_DIR"
# Needs Debian's postgresql package (installed here when missing and root).
set -euo pipefail

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && echo "$d"
}

case "${1:-}" in
start)
	bin=$(pg_bin || true)
	if [ -z "$bin" ]; then
		if [ "$(id -u)" = 0 ]; then
			echo "installing postgresql..." >&2
			apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
			bin=$(pg_bin)
		else
			echo "postgresql is not installed (apt-get install postgresql)" >&2
			exit 1
		fi
	fi
	dir=$(mktemp -d /tmp/ember-pg.XXXXXX)
	run=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"
		run=(runuser -u postgres --)
	fi
	port=55432
	while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
	"${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
	"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${EMBER_PG_OPTIONS:-}" start >&2
	echo "export EMBER_PG_DIR=$dir"
	echo "export EMBER_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
	;;
stop)
	dir=${2:?usage: postgres.sh stop DIR}
	bin=$(pg_bin)
	run=()
	[ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
	"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start|stop DIR" >&2
	exit 2
	;;
esac
