#!/usr/bin/env bash
# Measures the cold start of `ember serve`: from exec on an empty working
# directory (SQLite created and migrated) until GET /healthz answers 200.
# Usage: bench/coldstart.sh [runs]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
bin=$(mktemp -d)/ember
go build -o "$bin" ./cmd/ember
port=16106
times=()
for _ in $(seq "$runs"); do
	dir=$(mktemp -d)
	start=$(date +%s%N)
	PHOENIX_WORKING_DIR="$dir" PHOENIX_HOST=127.0.0.1 PHOENIX_PORT=$port PHOENIX_GRPC_PORT=$((port + 1)) "$bin" serve >/dev/null 2>&1 &
	pid=$!
	until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.002; done
	end=$(date +%s%N)
	kill "$pid"
	wait "$pid" || true
	rm -rf "$dir"
	times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "cold start over $runs runs (ms): min $(echo "$sorted" | head -1), median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p"), max $(echo "$sorted" | tail -1)"
