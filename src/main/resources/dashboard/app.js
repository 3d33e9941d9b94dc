// The dashboard: wires the model, the event stream, the timeline, the table, the forms and the banner.
//
// Everything the stream and the API bring is queued and applied once per animation frame, then the views
// redraw: a burst of thousands of events costs one layout, not thousands.

import {allTasks, ApiError, auth, call, EventStream, hooks, inflight, recent} from './api.js';
import {matcher, Model} from './model.js';
import {Timeline} from './timeline.js';
import {Detail, TaskTable, timeOf} from './table.js';

const $ = (sel) => document.querySelector(sel);

const model = new Model();
const queue = [];
let selected = null;
let initialLoad = null;
let loaded = false;
let demo = null;
let bannerState = {kind: null, text: ''};
let streamStatus = {state: 'idle'};
let unreachable = null;
let reloads = 0;
let lastReload = null;

const timeline = new Timeline($('#timeline'), $('#tl-scroll'), $('#tl-spacer'), $('#tl-tip'), model, select);
const table = new TaskTable($('#table-scroll'), $('#table-spacer'), model, select);
const detail = new Detail($('#detail'), model, {
  select,
  cancel: (id) => cancelTask(id, (m) => detail.message(m)),
  remove: async (id) => {
    try {
      await call('DELETE', 'tasks/' + encodeURIComponent(id));
      detail.message('forgotten');
    } catch (e) {
      detail.message(e.message);
    }
  },
});

function select(id) {
  selected = id;
  timeline.select(id);
  table.select(id);
  detail.show(id);
  $('#cancel-id').value = id;
  // the full, current view (the callback log with every attempt)
  call('GET', 'tasks/' + encodeURIComponent(id)).then((t) => queue.push({snapshot: t})).catch(() => {});
}

// ------------------------------------------------------------------ the stream

const stream = new EventStream('events', {
  onEvent(ev) {
    queue.push(ev);
  },
  onStatus(s) {
    streamStatus = {...s, since: Date.now(), retryAt: s.retryIn == null ? null : Date.now() + s.retryIn};
    if (s.state === 'open') {
      if (!loaded && !initialLoad) initialLoad = reload('initial');
      if (s.reconnected) {
        setBanner('ok', null, {resumeFrom: s.resumeFrom, at: Date.now()});
      }
    }
    renderBanner();
    renderPill();
  },
  onResync(reason) {
    reload(reason);
  },
});

hooks.reachable = () => {
  if (unreachable) {
    unreachable = null;
    renderBanner();
  }
};
hooks.unreachable = (e) => {
  unreachable = {at: Date.now(), message: String(e && e.message ? e.message : e)};
  renderBanner();
};
hooks.unauthorized = () => {
  const form = $('#token-form');
  if (form.classList.contains('needed')) return;
  form.classList.add('needed');
  setBanner('auth', (auth.token ? 'The access token was refused' : 'This server needs an access token')
      + ': enter it in the box at the top right (it is kept in this tab only).');
  $('#token-input').focus();
};

/** Reloads the loops and every task (first load, or the stream could not fill a gap). */
async function reload(reason) {
  const epoch = model.beginReload();
  const started = Date.now();
  try {
    const askedAt = Date.now();
    const loops = await call('GET', 'loops');
    model.setLoops(loops.loops, askedAt);
    const n = await allTasks((page) => {
      for (const t of page) model.upsert(t);
    });
    model.endReload(epoch);
    reloads++;
    lastReload = {reason, tasks: n, at: Date.now(), tookMs: Date.now() - started};
    loaded = true;
    if (reason !== 'initial') setBanner('ok', null, {resync: reason, tasks: n, at: Date.now()});
    return n;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return 0;
    setBanner('error', 'Could not load the tasks: ' + e.message);
    return 0;
  } finally {
    if (reason === 'initial') initialLoad = null;
  }
}

// ------------------------------------------------------------------ banner

let bannerDetail = null;

function setBanner(kind, text, info) {
  bannerState = {kind, text, at: Date.now()};
  bannerDetail = info || null;
  renderBanner();
}

function renderBanner() {
  const el = $('#banner');
  const txt = $('#banner-text');
  const retry = $('#banner-retry');
  let kind = null;
  let text = '';
  if (streamStatus.state === 'down') {
    kind = 'error';
    const secs = streamStatus.retryAt == null ? null : Math.max(0, Math.ceil((streamStatus.retryAt - Date.now()) / 1000));
    text = (loaded || streamStatus.attempt > 1 ? 'Event stream dropped: ' : 'Cannot reach the server: ') + streamStatus.reason + '. '
        + (secs == null ? 'Not retrying until a token is given.' : 'Reconnecting in ' + secs + ' s (attempt ' + streamStatus.attempt + ')'
        + (streamStatus.lastEventId != null ? ', to resume after event #' + streamStatus.lastEventId : '') + '…');
  } else if (streamStatus.state === 'connecting' && streamStatus.attempt > 0) {
    kind = 'error';
    text = 'Reconnecting to the event stream' + (streamStatus.resumeFrom != null ? ' (Last-Event-ID: ' + streamStatus.resumeFrom + ')' : '') + '…';
  } else if (unreachable) {
    kind = 'error';
    text = 'Server unreachable: ' + unreachable.message + '. The page keeps what it has and will catch up when the server answers.';
  } else if (bannerState.kind === 'ok' && bannerDetail) {
    if (Date.now() - bannerState.at < 8000) {
      kind = 'ok';
      const d = bannerDetail;
      if (d.resync) {
        text = 'Reconnected: ' + d.resync + ', so the page reloaded its state (' + d.tasks + ' task' + (d.tasks === 1 ? '' : 's') + ').';
      } else {
        const h = stream.history[stream.history.length - 1];
        text = 'Reconnected: the stream resumed after event #' + d.resumeFrom + ' (Last-Event-ID)'
            + (h ? '; ' + h.replayed + ' missed event' + (h.replayed === 1 ? '' : 's') + ' replayed' : '') + '.';
        if (d.resumeFrom == null) text = 'Reconnected to the event stream.';
      }
    }
  } else if (bannerState.kind === 'auth' || (bannerState.kind === 'error' && Date.now() - bannerState.at < 10000)) {
    kind = bannerState.kind === 'auth' ? 'error' : bannerState.kind;
    text = bannerState.text;
  }
  el.hidden = kind == null;
  el.className = 'banner ' + (kind || '');
  el.dataset.kind = kind || '';
  if (txt.textContent !== text) txt.textContent = text;
  retry.hidden = streamStatus.state !== 'down';
}

function renderPill() {
  const p = $('#stream-pill');
  const s = streamStatus.state;
  const label = s === 'open' ? 'live' + (stream.lastEventId != null ? ' · event #' + stream.lastEventId : '')
      : s === 'down' ? 'disconnected' : s === 'connecting' ? 'connecting…' : s;
  if (p.textContent !== label) p.textContent = label;
  p.className = 'pill pill-' + s;
  p.dataset.state = s;
}

$('#banner-retry').addEventListener('click', () => stream.retryNow());

// ------------------------------------------------------------------ token

function renderToken() {
  $('#token-input').placeholder = auth.token ? 'token set for this tab' : 'only if the server asks';
  $('#token-clear').hidden = !auth.token;
}

$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = $('#token-input').value.trim();
  if (!v) return;
  auth.token = v;
  $('#token-input').value = '';
  $('#token-form').classList.remove('needed');
  if (bannerState.kind === 'auth') setBanner(null, '');
  renderToken();
  if (streamStatus.state === 'down') stream.retryNow();
  reload('token');
});
$('#token-clear').addEventListener('click', () => {
  auth.token = '';
  renderToken();
});

// ------------------------------------------------------------------ forms

let kind = 'sleep';
for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    kind = tab.dataset.tab;
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('on', t === tab);
    for (const k of ['sleep', 'work', 'gather']) $('.kind-' + k).hidden = k !== kind;
    $('#submit-button').textContent = 'Submit ' + kind;
  });
}

function list(s) {
  return s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}

function specFromForm(f) {
  const v = (n) => f.elements[n].value.trim();
  const spec = {kind};
  if (kind === 'sleep') {
    spec.seconds = Number(v('seconds'));
    if (v('result') !== '') {
      try {
        spec.result = JSON.parse(v('result'));
      } catch {
        spec.result = v('result');
      }
    }
  } else if (kind === 'work') {
    spec.iterations = Number(v('iterations'));
    spec.input = f.elements.input.value;
  } else {
    spec.tasks = [...list(v('children')).map((s) => ({kind: 'sleep', seconds: Number(s), result: Number(s)})), ...list(v('refs'))];
    if (f.elements.returnExceptions.checked) spec.returnExceptions = true;
  }
  if (v('name')) spec.name = v('name');
  if (v('loop')) spec.loop = v('loop');
  if (v('raise')) spec.raise = v('raise');
  if (v('timeout') !== '') spec.timeout = Number(v('timeout'));
  if (v('webhook')) spec.callbacks = [{url: v('webhook')}];
  return spec;
}

async function submit(spec) {
  const t = await call('POST', 'tasks', spec);
  queue.push({snapshot: t});
  return t;
}

$('#submit-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#submit-result');
  out.className = 'result';
  out.textContent = 'submitting…';
  try {
    const t = await submit(specFromForm(e.target));
    out.textContent = 'submitted ' + t.name + ' (' + t.id + ')';
    out.dataset.taskId = t.id;
    select(t.id);
  } catch (err) {
    out.className = 'result err';
    out.textContent = err.message;
  }
});

async function cancelTask(id, report) {
  try {
    const r = await call('POST', 'tasks/' + encodeURIComponent(id) + '/cancel');
    report('task.cancel() → ' + r.cancelled + (r.cancelled ? '' : ' (it was already done)'));
  } catch (err) {
    report(err.message);
  }
}

$('#cancel-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = $('#cancel-id').value.trim();
  cancelTask(id, (m) => {
    $('#cancel-result').textContent = m;
  });
});

// ------------------------------------------------------------------ loops

$('#loop-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('#loop-result');
  try {
    const l = await call('POST', 'loops', {name: $('#loop-name').value.trim()});
    model.setLoop(l);
    out.textContent = 'loop ' + l.name + ' created';
    $('#loop-name').value = '';
  } catch (err) {
    out.textContent = err.message;
  }
});

$('#loops-body').addEventListener('click', async (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const name = b.closest('tr').dataset.loop;
  b.disabled = true;
  b.dataset.busy = '1';
  try {
    const l = await call('POST', 'loops/' + encodeURIComponent(name) + '/' + b.dataset.action);
    model.setLoop(l);
    $('#loop-result').textContent = 'loop ' + name + ': ' + b.dataset.action + ' done';
  } catch (err) {
    $('#loop-result').textContent = 'loop ' + name + ': ' + err.message;
  } finally {
    delete b.dataset.busy;
    loopsKey = null;
    renderLoops();
  }
});

let loopsKey = null;

/** The loops table, updated in place: a row per loop, kept while the loop exists. */
function renderLoops() {
  const counts = model.counts();
  const loops = [...model.loops.values()];
  const key = JSON.stringify(loops.map((l) => [l.name, l.running, l.closed, Math.round((l.lagSeconds || 0) * 10000), l.coroutineRunner]))
      + JSON.stringify([...counts]);
  if (key === loopsKey) return;
  loopsKey = key;
  const body = $('#loops-body');
  const rows = new Map([...body.children].map((tr) => [tr.dataset.loop, tr]));
  loops.forEach((l, i) => {
    let tr = rows.get(l.name);
    rows.delete(l.name);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.loop = l.name;
      for (let c = 0; c < 6; c++) tr.append(document.createElement('td'));
      const actions = document.createElement('td');
      for (const [action, label] of [['stop', 'Stop'], ['start', 'Start'], ['close', 'Close']]) {
        const b = document.createElement('button');
        b.type = 'button';
        b.dataset.action = action;
        b.textContent = label;
        actions.append(b);
      }
      tr.append(actions);
    }
    if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
    const state = l.closed ? 'closed' : l.running ? 'running' : 'stopped';
    tr.dataset.state = state;
    const c = counts.get(l.name) || {waiting: 0, pending: 0, finished: 0, failed: 0, cancelled: 0};
    const cells = tr.children;
    const text = [l.name, state, String(c.pending + c.waiting), String(c.finished + c.failed + c.cancelled),
      l.lagSeconds == null ? '' : (l.lagSeconds * 1000).toFixed(1) + ' ms', l.coroutineRunner || ''];
    text.forEach((t, k) => {
      if (cells[k].textContent !== t) cells[k].textContent = t;
    });
    cells[1].className = 'loop-' + state;
    const buttons = cells[6].children;
    if (!buttons[0].dataset.busy) buttons[0].disabled = !(l.running && !l.closed);
    if (!buttons[1].dataset.busy) buttons[1].disabled = !(!l.running && !l.closed);
    if (!buttons[2].dataset.busy) buttons[2].disabled = l.closed;
  });
  for (const tr of rows.values()) tr.remove();
  for (const sel of [$('#submit-loop'), $('#filter-loop')]) {
    const keep = sel.value;
    const opts = sel.id === 'filter-loop' ? [['', 'any loop']] : [];
    for (const l of loops) if (sel.id === 'filter-loop' || !l.closed) opts.push([l.name, l.name]);
    const now = [...sel.options].map((o) => o.value + '=' + o.textContent).join();
    if (now !== opts.map((o) => o[0] + '=' + o[1]).join()) {
      sel.replaceChildren(...opts.map(([v, t]) => new Option(t, v)));
      sel.value = opts.some((o) => o[0] === keep) ? keep : opts.length ? opts[0][0] : '';
    }
  }
}

async function pollLoops() {
  try {
    const askedAt = Date.now();
    const r = await call('GET', 'loops');
    model.setLoops(r.loops, askedAt);
  } catch {
    // the banner says it
  }
}

// ------------------------------------------------------------------ filters and timeline controls

function applyFilters() {
  const f = Object.fromEntries(new FormData($('#filters')));
  const key = JSON.stringify(f);
  const fn = matcher(f);
  table.setFilter(fn, key);
  timeline.setFilter(fn, key);
}

$('#filters').addEventListener('input', applyFilters);
$('#filters').addEventListener('change', applyFilters);
$('#filters').addEventListener('submit', (e) => e.preventDefault());
$('#tl-window').addEventListener('change', (e) => {
  timeline.setWindow(Number(e.target.value));
  renderFollow();
});
$('#tl-follow').addEventListener('click', () => {
  timeline.follow = !timeline.follow;
  if (timeline.follow) {
    timeline.viewStart = null;
    timeline.stickBottom = true;
  }
  renderFollow();
});
timeline.onFollowChange = renderFollow;

function renderFollow() {
  const b = $('#tl-follow');
  b.classList.toggle('on', timeline.follow);
  b.textContent = timeline.follow ? 'Following now' : 'Follow now';
}

// ------------------------------------------------------------------ asyncio's gather example

const DEMO_SPEC = {
  kind: 'gather',
  name: 'gather(do_some_work(1), do_some_work(3))',
  tasks: [
    {kind: 'sleep', seconds: 1, name: 'do_some_work(1)'},
    {kind: 'sleep', seconds: 3, name: 'do_some_work(3)'},
  ],
};

$('#demo-gather').addEventListener('click', async () => {
  const v = $('#demo-verdict');
  v.className = 'verdict';
  v.textContent = 'running: both coroutines sleep at once…';
  const sel = $('#tl-window');
  if (Number(sel.value) === 0 || Number(sel.value) > 30) {
    sel.value = '10';
    timeline.setWindow(10);
  }
  timeline.follow = true;
  timeline.stickBottom = true;
  renderFollow();
  try {
    const loop = $('#submit-loop').value || 'default';
    const t = await submit({...DEMO_SPEC, loop});
    demo = {id: t.id, children: t.children, verdict: null};
    v.dataset.taskId = t.id;
    select(t.id);
  } catch (err) {
    v.className = 'verdict err';
    v.textContent = err.message;
  }
});

function renderDemo() {
  if (!demo || demo.verdict) return;
  const g = model.task(demo.id);
  const [a, b] = demo.children.map((id) => model.task(id));
  if (!g || !a || !b || g.doneAt == null || a.doneAt == null || b.doneAt == null) return;
  const s = (t) => ((t - g.createdAt) / 1000).toFixed(2);
  const total = (g.doneAt - g.createdAt) / 1000;
  const overlap = (Math.min(a.doneAt, b.doneAt) - Math.max(a.startedAt, b.startedAt)) / 1000;
  demo.verdict = {total, overlap};
  const v = $('#demo-verdict');
  v.className = 'verdict ok';
  v.dataset.total = total.toFixed(3);
  v.dataset.overlap = overlap.toFixed(3);
  v.textContent = 'The gather took ' + total.toFixed(2) + ' s, not 4 s: ' + a.name + ' ran ' + s(a.startedAt) + ' → ' + s(a.doneAt)
      + ' s, inside ' + b.name + ' ' + s(b.startedAt) + ' → ' + s(b.doneAt) + ' s (they overlapped for ' + overlap.toFixed(2) + ' s).';
}

// ------------------------------------------------------------------ the frame loop

const frameTimes = [];
let lastFrame = 0;
let lastTick = 0;
let lastSlow = 0;

function flush() {
  if (!queue.length) return 0;
  const n = queue.length;
  const batch = queue.splice(0, n);
  for (const item of batch) {
    if (item.snapshot) {
      model.upsert(item.snapshot);
    } else {
      const h = stream.history[stream.history.length - 1];
      const live = !h || h.serverLastId == null || item.id == null || item.id > h.serverLastId;
      model.apply(item, live);
    }
  }
  model.trim();
  return n;
}

function frame() {
  const t0 = performance.now();
  if (lastFrame) {
    frameTimes.push(t0 - lastFrame);
    if (frameTimes.length > 240) frameTimes.shift();
  }
  lastFrame = t0;
  flush();
  timeline.render();
  const tick = t0 - lastTick > 250;
  if (tick) lastTick = t0;
  table.render(tick);
  if (tick) {
    detail.render();
    renderDemo();
    $('#task-count').textContent = table.ids().length === model.tasks.size ? String(model.tasks.size)
        : table.ids().length + ' of ' + model.tasks.size;
  }
  if (t0 - lastSlow > 500) {
    lastSlow = t0;
    renderLoops();
    renderBanner();
    renderPill();
  }
}

function loop() {
  frame();
  requestAnimationFrame(loop);
}

// a hidden tab gets no animation frames: keep the data flowing anyway, at a slower pace
setInterval(() => {
  if (performance.now() - lastFrame > 400) frame();
}, 250);

// ------------------------------------------------------------------ for tests and the curious

function quantile(a, q) {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

window.dashboard = {
  model,
  stream,
  timeline,
  table,
  get loaded() {
    return loaded;
  },
  task(id) {
    const t = model.task(id);
    return t ? {...t, callbacks: t.callbacks.map((c) => ({...c}))} : null;
  },
  taskCount: () => model.tasks.size,
  bar: (id) => timeline.bar(id),
  streamInfo: () => ({
    state: stream.state, lastEventId: stream.lastEventId, connects: stream.connects,
    history: stream.history.map((h) => ({...h})), reloads, lastReload,
  }),
  banner: () => ({kind: $('#banner').dataset.kind || null, text: $('#banner-text').textContent, hidden: $('#banner').hidden}),
  demo: () => (demo ? {...demo} : null),
  inflight: () => [...inflight].map((e) => ({...e, ms: Date.now() - e.since})),
  recentCalls: () => recent.map((e) => ({...e})),
  perf: () => ({
    frames: frameTimes.length,
    frameP50: quantile(frameTimes, 0.5), frameP95: quantile(frameTimes, 0.95),
    renderP50: quantile(timeline.renderTimes, 0.5), renderP95: quantile(timeline.renderTimes, 0.95),
    renderMax: timeline.renderTimes.length ? Math.max(...timeline.renderTimes) : null,
    tableRows: table.domRows().length, tasks: model.tasks.size, tasksOnTimeline: timeline.visibleCount,
  }),
  timeOf,
};

renderToken();
renderFollow();
applyFilters();
stream.start();
pollLoops();
setInterval(pollLoops, 2000);
requestAnimationFrame(loop);
