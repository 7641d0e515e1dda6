#!/usr/bin/env bash
# Property-based test of the HTTP API against its own OpenAPI document, with
# schemathesis: every operation gets generated valid and invalid requests, and
# any 5xx, undocumented status, or answer that breaks its schema is a failure.
#
#   scripts/api-fuzz.sh [MAX_EXAMPLES]      (default 100 per operation)
#
# It builds orderhub, starts `orderhub demo` (the five simulated platforms,
# synced into a fresh SQLite file, served on a free port) in a temporary
# directory, installs schemathesis into a virtualenv there, and runs it with
# the demo's admin+pii key. Needs python3 with venv and network access to PyPI.
set -euo pipefail

examples="${1:-100}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "${demo_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "building orderhub (release)…"
cargo build --release -q -p orderhub --manifest-path "$root/Cargo.toml"

echo "installing schemathesis into $work/venv…"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "schemathesis>=4.3,<5" "openapi-spec-validator>=0.7,<1"

echo "starting the demo…"
(cd "$work" && exec "$root/target/release/orderhub" demo --orders 300 --listen 127.0.0.1:0 >"$work/demo.log" 2>&1) &
demo_pid=$!
for _ in $(seq 1 120); do
  grep -q "^API at http://" "$work/demo.log" 2>/dev/null && break
  kill -0 "$demo_pid" 2>/dev/null || { cat "$work/demo.log"; echo "the demo stopped" >&2; exit 1; }
  sleep 0.5
done
base="$(grep -o 'API at http://[^/]*' "$work/demo.log" | head -1 | sed 's/API at //')"
key="$(grep -o 'ohk_[0-9a-f]*' "$work/demo.log" | head -1)"
[ -n "$base" ] && [ -n "$key" ] || { cat "$work/demo.log"; echo "no address or key in the demo's output" >&2; exit 1; }
echo "demo at $base"

echo "validating $base/openapi.json…"
curl -fsS "$base/openapi.json" -o "$work/openapi.json"
"$work/venv/bin/openapi-spec-validator" "$work/openapi.json"

# Every check but positive_data_acceptance: some requests that fit the schema's
# shape are refused by rules a schema cannot state, and must be (a cursor this
# server did not issue, a shipment to a platform that takes none, an address
# change with every field null, an order number a platform does not know).
# Long polls are capped at 30 s by the API; the time limits leave them room.
# From the temporary directory: schemathesis keeps a cache where it runs.
cd "$work"
"$work/venv/bin/schemathesis" run "$base/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-response-time 40 \
  --max-examples "$examples" \
  --request-timeout 35 \
  --seed 1 \
  --report junit --report-dir "$work/report" \
  --output-truncate false
echo "schemathesis found no failures"
