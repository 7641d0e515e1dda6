#!/usr/bin/env bash
# The list API under load while shops sync into the same embedded store.
#
# The sandbox with N orders per platform is synced into a fresh SQLite store
# (4 x N orders on the listing platforms), then ../shared/bench/api-load.lua
# (wrk: 50 connections, 30 s, six typical list queries, a read key with pii)
# runs twice against `orderhub serve`: idle, and while four more shops sync
# N orders each from scratch, from simulators answering every request 200 ms
# late (a platform across the internet). Prints wrk's line for each run and
# the four shops' runs. Usage, from the repository root after a release build:
#   scripts/api-load-syncing.sh [ORDERS_PER_PLATFORM (20000)] [BINARY (target/release/orderhub)]
# Needs wrk (apt-get install -y wrk).
set -euo pipefail
n=${1:-20000}
bin=$(realpath "${2:-target/release/orderhub}")
lua=$(realpath ../shared/bench/api-load.lua)
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }
w=$(mktemp -d)
cd "$w"
"$bin" sandbox --orders "$n" --seed 5 --write-config sb.toml > sandbox.log 2>&1 & sb=$!
sv=""
trap 'kill $sb $sv 2>/dev/null; rm -rf "$w"' EXIT
for _ in $(seq 1 600); do [ -s sb.toml ] && break; sleep 0.5; done
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
sed -i 's#^url *= *.*#url = "sqlite://hub.db"#; s#^listen *= *.*#listen = "127.0.0.1:'"$port"'"#; s#^sync_every *= *.*#sync_every = "1d"#' sb.toml
"$bin" --config sb.toml sync --once > sync.log 2>&1
export ORDERHUB_KEY=$("$bin" --config sb.toml keys create --scope read --pii 2>/dev/null | grep -o 'ohk_[0-9a-f]*' | head -1)

# The same shops, and four more: copies of the listing shops under new keys,
# which start from nothing and sync every second.
python3 - <<'EOF'
import tomllib
config = tomllib.load(open("sb.toml", "rb"))
text = open("sb.toml").read()
for shop in config["shops"]:
    if shop["platform"] == "vanmall":
        continue
    text += "\n[[shops]]\n"
    for name, value in shop.items():
        if name == "key":
            value = value + "-live"
        if name == "sync_every":
            value = "1s"
        text += f"{name} = {value!r}\n".replace("'", '"')
open("live.toml", "w").write(text)
origins = [s["base_url"].removesuffix("/api/v1") for s in config["shops"] if s["platform"] != "vanmall"]
open("origins", "w").write("".join(origin + "\n" for origin in origins))
EOF

load() {
  "$bin" --config "$1" serve > "serve-$2.log" 2>&1 & sv=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.3; done
  echo "$2: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$2: $(wrk -t2 -c50 -d30s -s "$lua" "http://127.0.0.1:$port" | grep '^api-load:')"
}

load sb.toml idle
kill $sv; wait $sv 2>/dev/null || true
while read -r origin; do curl -s -o /dev/null -X POST --data 'slow:200' "$origin/_sandbox/faults"; done < origins
load live.toml syncing
kill $sv; wait $sv 2>/dev/null || true
echo "syncing: the four new shops' runs during the load:"
"$bin" --config live.toml runs --limit 100000 --json | python3 -c '
import json, sys
runs = [r for r in json.load(sys.stdin) if r["shop"].endswith("-live")]
for shop in sorted({r["shop"] for r in runs}):
    mine = [r for r in runs if r["shop"] == shop]
    first = min(mine, key=lambda r: r["id"])
    outcomes = {}
    for r in mine:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    new = sum(r["orders"]["new"] for r in mine)
    print("  %s: %d runs %s, %d orders new; the first run %s, %d new" % (
        shop, len(mine), outcomes, new, first["outcome"], first["orders"]["new"]))
'
