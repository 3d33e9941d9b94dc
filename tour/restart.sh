#!/usr/bin/env bash
# Durability: a task that got its 201 survives the service being killed (kill -9, no shutdown at all)
# and ends as it would have after the restart: a sleep at its deadline, or at once and late if the
# deadline passed while the service was down.
#
#   tour/restart.sh
#
# It starts a service of its own for this, and says so: target/vertx-asyncio.jar (build it first with the
# README's run command), with bin/with-jdk, on a free port of 127.0.0.1, keeping its tasks in a new
# temporary directory; it kills it, starts it again, stops it at the end and removes the directory.
# Needs curl and python3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${JAR:-$root/target/vertx-asyncio.jar}
[ -f "$jar" ] || { echo "tour: no $jar: build it first (bin/with-jdk ./mvnw -B -q package -DskipTests)" >&2; exit 1; }
work=$(mktemp -d)
service=""
trap '[ -z "$service" ] || kill -9 $service 2>/dev/null; rm -rf "$work"' EXIT

# start: the service from the jar, in the repository (its conf/), on a free port, its tasks in $work/data
start() {
  : >"$work/service.log"
  (cd "$root" && HTTP_HOST=127.0.0.1 HTTP_PORT=0 STORE_PATH="$work/data" exec "$root/bin/with-jdk" java @conf/jvm.options -jar "$jar") \
    >"$work/service.log" 2>&1 &
  service=$!
  local port=""
  for _ in $(seq 600); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/service.log")
    [ -n "$port" ] && break
    kill -0 $service 2>/dev/null || { cat "$work/service.log" >&2; echo "tour: the service did not start" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "tour: the service did not say where it listens within 60 s" >&2; exit 1; }
  U=http://127.0.0.1:$port
  ready "$U"
}

say "starting a service of its own: $jar, its tasks in $work/data"
start
say "it listens at $U"

say 'two sleeps, of 8 s and 3 s, and at once kill -9 the service: no shutdown, nothing more written.' \
    'Each 201 means the task was on disk'
show curl -s -XPOST $U/tasks -H "$J" -d '{"kind":"sleep","seconds":8,"result":"kept"}'
long=$ANSWER
show curl -s -XPOST $U/tasks -H "$J" -d '{"kind":"sleep","seconds":3,"result":"late"}'
short=$ANSWER
kill -9 $service
wait $service 2>/dev/null || true
ANSWER=$long; LONG=$(json id)
ANSWER=$short; SHORT=$(json id)

say 'then 4 s with no service: the 3 s sleep falls due meanwhile. Start it again on the same data directory'
sleep 4
start
grep -E 'task store .* opened|resumed|recovered' "$work/service.log" | sed 's/^/service: /' || true

say 'the 3 s sleep was due while the service was down: it finished at once on the restart, with its' \
    'result; "lateSeconds" says how late, "recoveries" how many restarts it was resumed after'
show curl -s "$U/tasks/$SHORT?wait=5"
expect '"result":"late"'
expect '"recoveries":1'
if [[ $ANSWER == *'"lateSeconds":null'* ]]; then echo "tour: the 3 s sleep should have been late" >&2; exit 1; fi
say 'the 8 s sleep kept its deadline: it finishes then (or at once, and late, if the restart took longer)'
show curl -s "$U/tasks/$LONG?wait=10"
expect '"result":"kept"'
expect '"recoveries":1'

say 'SIGTERM: a graceful shutdown, exit status 0'
kill -TERM $service
status=0
wait $service || status=$?
service=""
echo "exit status $status"
[ "$status" -eq 0 ]
say 'the end'
