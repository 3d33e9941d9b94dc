// The Node.js peer of the task service's POST /tasks sleep contract (bench/run.sh, suite http), written
// with Node's own http module and setTimeout, no npm packages:
//
//   POST /tasks {"kind":"sleep","seconds":S[,"result":R][,"name":N]}
//     -> 201, Location: /tasks/{id}, the task as JSON (pending); it finishes S seconds later
//   GET /tasks/{id} -> 200 and the task as it stands, 404 if unknown
//
// The task JSON has the same fields as the service's (so both send about the same bytes); ids are 26
// characters, as the service's ULIDs. Done tasks are forgotten beyond the newest 10,000, as the service's
// default retention does. Bad bodies get 400, other paths 404.
//
//   node bench/node/tasks.js [port] [host]     (port 0: any free one; it prints "listening on http://host:port")
'use strict';
const http = require('http');
const crypto = require('crypto');

const port = Number(process.argv[2] || 0);
const host = process.argv[3] || '127.0.0.1';
const RETAIN_DONE = 10000;

const tasks = new Map(); // id -> task
const doneOrder = []; // ids of done tasks, oldest first
let doneHead = 0;
let seq = 0;
const prefix = crypto.randomBytes(8).toString('hex').toUpperCase().slice(0, 12);

function newId() {
  seq++;
  return prefix + seq.toString(36).toUpperCase().padStart(14, '0');
}

function send(res, status, body, headers) {
  const text = JSON.stringify(body);
  res.writeHead(status, Object.assign({
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  }, headers));
  res.end(text);
}

function finish(task) {
  const now = new Date().toISOString();
  task.state = 'finished';
  task.done = true;
  task.result = task.spec.result;
  task.doneAt = now;
  task.callbacks = [{ callback: 'record', firedAt: now }];
  doneOrder.push(task.id);
  if (doneOrder.length - doneHead > RETAIN_DONE) {
    tasks.delete(doneOrder[doneHead++]);
    if (doneHead > 65536) {
      doneOrder.splice(0, doneHead);
      doneHead = 0;
    }
  }
}

function submit(req, res, body) {
  let spec;
  try {
    spec = JSON.parse(body);
  } catch (e) {
    return send(res, 400, { error: { code: 'invalid_request', message: 'body is not JSON' } });
  }
  if (spec === null || typeof spec !== 'object' || spec.kind !== 'sleep' || typeof spec.seconds !== 'number'
      || !(spec.seconds >= 0 && spec.seconds <= 3600)) {
    return send(res, 400, { error: { code: 'invalid_request', message: 'expected {"kind":"sleep","seconds":0..3600}' } });
  }
  const id = newId();
  const now = new Date().toISOString();
  const task = {
    id, name: typeof spec.name === 'string' ? spec.name : 'Task-' + seq, kind: 'sleep', loop: 'default',
    state: 'pending', done: false, result: null, exception: null, createdAt: now, startedAt: now, doneAt: null,
    parent: null, children: [], callbacks: [],
    spec: { seconds: spec.seconds, result: spec.result === undefined ? null : spec.result, kind: 'sleep', loop: 'default' },
    lateSeconds: null, recoveries: 0,
  };
  tasks.set(id, task);
  setTimeout(finish, spec.seconds * 1000, task);
  send(res, 201, task, { Location: '/tasks/' + id });
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/tasks') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => submit(req, res, Buffer.concat(chunks).toString('utf8')));
    return;
  }
  if (req.method === 'GET' && req.url.startsWith('/tasks/')) {
    const task = tasks.get(req.url.slice('/tasks/'.length));
    return task ? send(res, 200, task) : send(res, 404, { error: { code: 'not_found', message: 'no such task' } });
  }
  send(res, 404, { error: { code: 'not_found', message: 'no resource at ' + req.url } });
});
server.keepAliveTimeout = 60000;
server.listen(port, host, () => {
  console.log('listening on http://' + host + ':' + server.address().port);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)) || setTimeout(() => process.exit(0), 1000).unref());
}
