#!/usr/bin/env bash
# A tour of the task service with curl: each request printed as you would type it, then its answer.
# It talks to the service you started with the README's run command and starts nothing itself; it
# needs curl and python3 (to pick ids out of the answers). Run it whole, again and again:
#
#   tour/tour.sh                          # the service at http://localhost:8080
#   tour/tour.sh http://127.0.0.1:9090
#
# Two parts need the service started otherwise, so they are scripts of their own:
#   tour/webhooks.sh   webhooks delivered to a receiver on this machine (the service with WEBHOOKS_ALLOW=127.0.0.1)
#   tour/restart.sh    a task kept across kill -9 (it starts, kills and restarts a service of its own)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
U=${1:-http://localhost:8080}
ready "$U"

say 'a sleep: await sleep(1, "hello"); 201 Created, Location: /tasks/{id}, the task (pending)'
show curl -si -XPOST $U/tasks -H "$J" -d '{"kind":"sleep","seconds":1,"result":"hello","name":"greet"}'
expect '201 Created'

say 'a sleep of 30 s, for what follows; its id, picked out of the answer'
show curl -s -XPOST $U/tasks -H "$J" -d '{"kind":"sleep","seconds":30}'
ID=$(json id)

say '?wait=S answers when the task is done, or after S seconds (run_until_complete over HTTP, no thread held)'
show curl -s -XPOST "$U/tasks?wait=5" -H "$J" -d '{"kind":"work","iterations":3,"input":"x"}'
expect '"result":"431e815125923125af4197c42861a4ec01b4901e7917cd7db1f98c7debdf22c5"'
say 'work is sha256 applied 3 times to the input, which python3 checks:'
show python3 -c "import hashlib;d=b'x';[d:=hashlib.sha256(d).digest() for _ in range(3)];print(d.hex())"

say 'gather: three 1 s sleeps take 1 s; returnExceptions puts the exception in the results, in order'
show curl -s -XPOST "$U/tasks?wait=5" -H "$J" -d '{"kind":"gather","returnExceptions":true,"tasks":[
  {"kind":"sleep","seconds":1,"result":1},{"kind":"sleep","seconds":1,"result":2},{"kind":"sleep","seconds":1,"raise":"boom"}]}'
expect '"result":[1,2,{"exception":{"type":"RaisedError","message":"boom"}}]'

say 'timeout: wait_for semantics, ends with TimeoutError'
show curl -s -XPOST "$U/tasks?wait=5" -H "$J" -d '{"kind":"sleep","seconds":10,"timeout":0.5}'
expect '"type":"TimeoutError"'

say 'get, long-polling for 1 s (the 30 s sleep is still pending), and list (newest first; filters state, kind, loop, name; paging limit + cursor)'
show curl -s "$U/tasks/$ID?wait=1"
expect '"state":"pending"'
show curl -s "$U/tasks?state=pending&limit=3"

say 'asyncio.wait over tasks of one loop (FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED): a timeout is not an error and cancels nothing'
show curl -s -XPOST $U/wait -H "$J" -d "{\"tasks\":[\"$ID\"],\"returnWhen\":\"FIRST_COMPLETED\",\"timeout\":0.5}"
expect "\"pending\":[\"$ID\"]"

say 'the live stream of events (Server-Sent Events): this task'"'"'s, from the oldest buffered (Last-Event-ID: 0); curl listens for 2 s'
show curl -sN --max-time 2 -H 'Last-Event-ID: 0' "$U/events?task=$ID"
expect 'event: task.started'

say 'cancel: DELETE forgets only a done task (409 while pending); task.cancel() answers {"cancelled":true}, then false once done'
show curl -si -XDELETE $U/tasks/$ID
expect '409'
show curl -s -XPOST $U/tasks/$ID/cancel
expect '{"cancelled":true}'
show curl -s "$U/tasks/$ID?wait=5"
expect '"state":"cancelled"'
show curl -s -XPOST $U/tasks/$ID/cancel
expect '{"cancelled":false}'
show curl -si -XDELETE $U/tasks/$ID
expect '204'

say 'webhooks go only where they may: loopback, private, link-local (169.254.169.254) and other internal' \
    'addresses are refused unless webhooks.allow trusts them (tour/webhooks.sh delivers some for real)'
show curl -s -XPOST $U/tasks -H "$J" -d '{"kind":"sleep","seconds":0,"callbacks":[{"url":"http://169.254.169.254/latest"}]}'
expect '"field":"callbacks[0].url"'

L=io-$$   # a new loop's name, new on every run of the tour
say "event loops: list, make ($L), stop, start again, close (then: 409 Event loop is closed)"
show curl -s $U/loops
show curl -s -XPOST $U/loops -H "$J" -d "{\"name\":\"$L\"}"
show curl -s -XPOST $U/loops/$L/stop
say "a task on the stopped loop is accepted, and runs when $L runs again"
show curl -s -XPOST $U/tasks -H "$J" -d "{\"kind\":\"sleep\",\"seconds\":0,\"result\":\"ran\",\"loop\":\"$L\"}"
expect '"state":"pending"'
T=$(json id)
show curl -s -XPOST $U/loops/$L/start
show curl -s "$U/tasks/$T?wait=5"
expect '"state":"finished"'
show curl -s -XPOST $U/loops/$L/close
show curl -s -XPOST $U/tasks -H "$J" -d "{\"kind\":\"sleep\",\"seconds\":1,\"loop\":\"$L\"}"
expect 'Event loop is closed'

say 'operations: liveness, readiness, Prometheus metrics (some of them), the OpenAPI document (its head)'
show curl -s $U/health
show curl -s $U/ready
expect '"status":"UP"'
ask curl -s $U/metrics
lines '^(asyncio_tasks|asyncio_loop_lag_seconds)\{'
ask curl -s $U/openapi.yaml
lines '^(openapi|  title|  version):'

say 'the end: the tasks above are on the dashboard too, at '"$U/"
