#!/usr/bin/env bash
# bench/durability.sh: what durability costs. POST /tasks (a short sleep) with wrk against the packaged
# service, with store.type=memory (nothing kept) and store.type=sqlite (every task committed before its
# 201; store.sync full and normal), on this machine, in the same run, interleaved over ROUNDS rounds.
# Prints requests/s, latency and the service's CPU time per request of each run, the best of each store,
# and its ratio to the memory store.
#
#   bench/durability.sh                     # 10 s per store after 15 s of warm-up (the JIT settles), 32 and 256 connections, 2 rounds
#   DURATION=30 WARMUP=10 CONNECTIONS=64 ROUNDS=3 bench/durability.sh
#
# Read it so: with few connections each client waits for its commit (an fsync with store.sync full), so
# requests/s are bounded by latency; with many, one commit carries many tasks (group commit) and the
# cost of durability shrinks to its CPU share.
#   CONFIGS="memory=STORE_TYPE=memory linger0=STORE_TYPE=sqlite,STORE_BATCH_WAIT=0" bench/durability.sh
#
# Needs: a JDK 21+ (found by bin/with-jdk), wrk (Debian: apt-get install wrk). Builds
# target/vertx-asyncio.jar if it is missing. Standalone: bench/run.sh does not call it.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-15}
CONNECTIONS=${CONNECTIONS:-"32 256"}
THREADS=${THREADS:-1}
SLEEP=${SLEEP:-0.01}
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS

jdk=$("$root/bin/with-jdk") || exit 1
export JAVA_HOME=$jdk
command -v wrk >/dev/null || { echo "durability: wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }

jar=$root/target/vertx-asyncio.jar
if [ ! -f "$jar" ]; then
  echo "durability: building $jar" >&2
  (cd "$root" && ./mvnw -B -q package -DskipTests)
fi

work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"kind":"sleep","seconds":$SLEEP,"result":"x"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# run NAME CONNECTIONS ENV...: start the service with ENV, warm up, measure; sets result="rps p50 p99 non2xx"
run() {
  local name=$1 conns=$2; shift 2
  local log=$work/$name.log
  (cd "$root" && exec env "$@" HTTP_HOST=127.0.0.1 HTTP_PORT=0 LOOPS=default LIMITS_PENDING_MAX=10000000 \
    STORE_PATH="$work/data-$name" "$JAVA_HOME/bin/java" -jar "$jar" conf/config.json >"$log" 2>&1) &
  pid=$!
  local port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "durability: $name never listened" >&2; cat "$log" >&2; exit 1; }
  local url=http://127.0.0.1:$port/tasks
  wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" -s "$work/post.lua" "$url" >/dev/null
  sleep 1
  local cpu0 cpu1
  cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --latency -s "$work/post.lua" "$url" >"$work/$name.wrk"
  cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  local rps p50 p99 bad n cpu
  rps=$(awk '/^Requests\/sec:/{print $2}' "$work/$name.wrk")
  p50=$(awk '$1=="50%"{print $2}' "$work/$name.wrk")
  p99=$(awk '$1=="99%"{print $2}' "$work/$name.wrk")
  bad=$(awk '/Non-2xx or 3xx responses:/{print $5}' "$work/$name.wrk"); bad=${bad:-0}
  n=$(awk '/requests in/{print $1}' "$work/$name.wrk")
  # the service's CPU time (user + system, all its threads) per request: steadier than requests/s on a
  # machine that other work shares
  cpu=$(awk -v d="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN{printf "%.0f", d / hz * 1e6 / n}')
  result="$rps $p50 $p99 $bad $cpu"
}

# the stores measured: NAME=ENV,ENV... (each run gets its own fresh data directory)
CONFIGS=${CONFIGS:-"memory=STORE_TYPE=memory sqlite-full=STORE_TYPE=sqlite,STORE_SYNC=full sqlite-normal=STORE_TYPE=sqlite,STORE_SYNC=normal"}
ROUNDS=${ROUNDS:-2}
echo "durability: POST /tasks {\"kind\":\"sleep\",\"seconds\":$SLEEP}, wrk -t$THREADS -c{$CONNECTIONS} -d${DURATION}s after ${WARMUP}s warm-up," \
  "$ROUNDS round(s), the stores interleaved; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
  "$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
declare -A best
names=()
first=""
for round in $(seq 1 "$ROUNDS"); do
  for conns in $CONNECTIONS; do
    for c in $CONFIGS; do
      name=${c%%=*}
      envs=${c#*=}
      [ -n "$first" ] || first=$name
      key="$name c$conns"
      [ "$round" -gt 1 ] || names+=("$key")
      run "$name-c$conns-$round" "$conns" ${envs//,/ }
      read -r rps p50 p99 bad cpu <<<"$result"
      echo "  round $round, $key: $rps requests/s, p50 $p50, p99 $p99, non-2xx $bad, service CPU $cpu us/request"
      if [ -z "${best[$key]:-}" ] || awk -v a="$rps" -v b="${best[$key]%% *}" 'BEGIN{exit !(a>b)}'; then
        best[$key]="$rps $p50 $p99 $bad $cpu"
      fi
    done
  done
done
echo "best of $ROUNDS round(s) (the least disturbed by whatever else runs on the machine):"
printf '%-22s %12s %10s %10s %8s %12s %14s\n' "store, connections" requests/s p50 p99 non-2xx "vs $first" "CPU us/request"
for key in "${names[@]}"; do
  read -r rps p50 p99 bad cpu <<<"${best[$key]}"
  base=${best["$first ${key##* }"]%% *}
  printf '%-22s %12s %10s %10s %8s %11.2fx %14s\n' "$key" "$rps" "$p50" "$p99" "$bad" "$(awk -v a="$rps" -v b="$base" 'BEGIN{print a/b}')" "$cpu"
  echo "RESULT durability.${key// /.}.requests_per_second $rps"
  echo "RESULT durability.${key// /.}.cpu_us_per_request $cpu"
done
