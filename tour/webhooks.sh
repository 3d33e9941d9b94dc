#!/usr/bin/env bash
# Webhooks delivered for real: a task's webhook retried until a receiver takes it, delivered again on
# request, and one a receiver refuses. Webhooks to this machine need the service started so:
#
#   WEBHOOKS_ALLOW=127.0.0.1 bin/with-jdk java @conf/jvm.options -jar target/vertx-asyncio.jar
#   tour/webhooks.sh                      # or: tour/webhooks.sh http://host:port
#
# It starts a webhook receiver on 127.0.0.1 (tour/receiver.py, with python3; its lines start with
# "receiver:") and stops it at the end. Needs curl and python3.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
U=${1:-http://localhost:8080}
ready "$U"

SECRET=whsec_c2VjcmV0LWtleQ==   # Standard Webhooks form: base64 of the key bytes after whsec_
portfile=$(mktemp)
python3 "$(dirname "$0")/receiver.py" "$SECRET" "$portfile" &
receiver=$!
trap 'kill $receiver 2>/dev/null; rm -f "$portfile"' EXIT
for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
R=http://127.0.0.1:$(cat "$portfile")
say "started a webhook receiver at $R (stopped at the end)"

# settled ID: waits until no webhook of task ID is pending any more (they are sent once the task is done)
settled() {
  for _ in $(seq 100); do
    ANSWER=$(curl -s "$U/tasks/$1")
    [[ $ANSWER == *'"outcome":"pending"'* ]] || return 0
    sleep 0.1
  done
  echo "tour: a webhook of task $1 is still pending after 10 s" >&2
  exit 1
}

say 'a task with a webhook, signed with a secret: POSTed (the task as JSON) when the task is done'
show curl -s -XPOST "$U/tasks?wait=5" -H "$J" -d '{"kind":"sleep","seconds":0.1,"result":"slept",
  "callbacks":[{"url":"'$R/hook'","secret":"'$SECRET'"}]}'
if [[ $ANSWER == *'"field":"callbacks[0].url"'* ]]; then
  echo "tour: the service refuses webhooks to this machine; start it with WEBHOOKS_ALLOW=127.0.0.1 (see the top of $0)" >&2
  exit 1
fi
expect '"state":"finished"'
ID=$(json id)

say 'the receiver answered the first attempt 503, so the service retried after a backoff (connection' \
    'errors, timeouts, 408, 425, 429 and 5xx are retried) and the second attempt got 200. The task'"'"'s' \
    'callback log (the answer'"'"'s "callbacks"): the done-callback that fired (record), then the webhook, each attempt'
settled "$ID"
ask curl -s "$U/tasks/$ID"
json callbacks
expect '"status":503'
expect '"status":200'
expect '"outcome":"delivered"'

say 'deliver it again: callbacks[1] is the webhook; the same webhook-id, the attempts numbered on (202)'
show curl -si -XPOST "$U/tasks/$ID/callbacks/1/redeliver"
expect '202'
settled "$ID"
ask curl -s "$U/tasks/$ID"
json callbacks
expect '"attempt":3'
expect '"outcome":"delivered"'

say 'a receiver that answers 410 Gone: not retried, the delivery fails at once; redeliver would try again'
show curl -s -XPOST "$U/tasks?wait=5" -H "$J" -d '{"kind":"sleep","seconds":0,
  "callbacks":[{"url":"'$R/gone'","secret":"'$SECRET'"}]}'
ID=$(json id)
settled "$ID"
ask curl -s "$U/tasks/$ID"
json callbacks
expect '"status":410'
expect '"outcome":"failed"'

say 'the end'
