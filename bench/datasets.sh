#!/usr/bin/env bash
# Uploads a dataset of N examples (default 100,000) as a CSV file with
# `ember dataset upload`, then downloads it in every export format, timing
# each step and reading the server's peak RSS (VmHWM) after each.
# Usage: bench/datasets.sh [examples]        SQLite in a temporary directory
#        EMBER_BENCH_POSTGRES=postgres://... bench/datasets.sh [examples]   (in a
#        throwaway schema; needs psql to drop it)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=$(mktemp -d)
bin=$work/ember
go build -o "$bin" ./cmd/ember
port=16206
url=http://127.0.0.1:$port

# A table of question/answer/topic rows, about 200 bytes each.
awk -v n="$n" 'BEGIN {
	print "question,answer,topic"
	for (i = 0; i < n; i++)
		printf "\"What is the answer to question number %d, asked about item %d?\",\"The answer to question %d is %d, with a short explanation.\",topic-%d\n", i, i * 7, i, i * 3, i % 50
}' >"$work/table.csv"

env=(PHOENIX_WORKING_DIR="$work/data" PHOENIX_HOST=127.0.0.1 PHOENIX_PORT=$port PHOENIX_GRPC_PORT=$((port + 1)))
# PostgreSQL runs in a schema of its own, dropped at the end.
schema=bench_datasets_$$
cleanup() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	if [ -n "${EMBER_BENCH_POSTGRES:-}" ]; then
		PGOPTIONS="-c client_min_messages=warning" psql -q "$EMBER_BENCH_POSTGRES" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
	fi
	rm -rf "$work"
}
if [ -n "${EMBER_BENCH_POSTGRES:-}" ]; then
	env+=(PHOENIX_SQL_DATABASE_URL="$EMBER_BENCH_POSTGRES" PHOENIX_SQL_DATABASE_SCHEMA="$schema")
fi
env "${env[@]}" "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
trap cleanup EXIT
until curl -fs -o /dev/null "$url/healthz"; do sleep 0.01; done

rss() { awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

echo "examples: $n, CSV $(du -h "$work/table.csv" | cut -f1)"
start=$(date +%s%N)
"$bin" dataset upload "$work/table.csv" --name bench --input-keys question --output-keys answer --metadata-keys topic --url "$url" --quiet
end=$(date +%s%N)
echo "upload (create): $(ms "$start" "$end") ms, server peak RSS $(rss)"

start=$(date +%s%N)
"$bin" dataset upload "$work/table.csv" --name bench --action update --input-keys question --output-keys answer --metadata-keys topic --url "$url" --quiet
end=$(date +%s%N)
echo "re-upload (update, nothing changed): $(ms "$start" "$end") ms, server peak RSS $(rss)"

id=$(curl -fs "$url/v1/datasets?name=bench" | sed 's/.*"id":"\([^"]*\)".*/\1/')
for format in csv jsonl openai-ft openai-evals; do
	start=$(date +%s%N)
	"$bin" dataset download "$id" --format $format --url "$url" --output "$work/out.$format"
	end=$(date +%s%N)
	echo "download $format: $(ms "$start" "$end") ms, $(du -h "$work/out.$format" | cut -f1), server peak RSS $(rss)"
done 2>/dev/null
start=$(date +%s%N)
curl -fs -o /dev/null "$url/v1/datasets/$id/examples"
end=$(date +%s%N)
echo "GET examples (JSON): $(ms "$start" "$end") ms, server peak RSS $(rss)"
