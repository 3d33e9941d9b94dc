// The service's HTTP API and its event stream, as the page uses them.
//
// Auth: the token the user enters is kept in this tab's sessionStorage and sent on every request,
// the event stream included, as `Authorization: Bearer <token>`. The stream is read with fetch() and a
// ReadableStream rather than EventSource, because EventSource cannot send headers: so the token never
// goes into a URL (where access logs and history would keep it), and the resume header
// `Last-Event-ID` is ours to send on each reconnect.

const TOKEN_KEY = 'vertx-asyncio.dashboard.token';

export const auth = {
  get token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  },
  set token(t) {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** What the page is told about connectivity; app.js sets these. */
export const hooks = {
  reachable() {},
  unreachable(_error) {},
  unauthorized() {},
};

export class ApiError extends Error {
  constructor(status, body, message) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function headers(extra) {
  const h = {Accept: 'application/json', ...extra};
  const t = auth.token;
  if (t) h.Authorization = 'Bearer ' + t;
  return h;
}

/** The API calls under way (method, path, since when): for the curious, and for tests that time out. */
export const inflight = new Set();

/** The last API calls that ended (method, path, outcome, when, how long): for the curious, and for tests that time out. */
export const recent = [];
const RECENT_MAX = 40;

/** One API call: resolves with the JSON body, rejects with an ApiError (status 0: unreachable). */
export async function call(method, path, body) {
  const entry = {method, path, since: Date.now()};
  inflight.add(entry);
  let outcome = 'ok';
  try {
    return await send(method, path, body);
  } catch (e) {
    outcome = (e instanceof ApiError ? e.status + ' ' : '') + e.message;
    throw e;
  } finally {
    inflight.delete(entry);
    recent.push({method, path, outcome, at: entry.since, ms: Date.now() - entry.since});
    if (recent.length > RECENT_MAX) recent.shift();
  }
}

async function send(method, path, body) {
  const init = {method, headers: headers(body === undefined ? {} : {'Content-Type': 'application/json'}), cache: 'no-store'};
  if (body !== undefined) init.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    hooks.unreachable(e);
    throw new ApiError(0, null, 'server unreachable (' + (e.message || e) + ')');
  }
  hooks.reachable();
  const text = await res.text().catch(() => '');
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (res.status === 401) hooks.unauthorized();
  if (!res.ok) {
    const e = json && json.error;
    const msg = e ? e.message + (e.field ? ' (' + e.field + ')' : '') : res.status + ' ' + res.statusText;
    throw new ApiError(res.status, json, msg);
  }
  return json;
}

/** Every task the server holds, newest first, in pages of 1000. */
export async function allTasks(onPage) {
  let cursor = null;
  let n = 0;
  do {
    const q = 'tasks?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    const page = await call('GET', q);
    onPage(page.tasks);
    n += page.tasks.length;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
}

/**
 * The Server-Sent Events stream of GET /events, read with fetch. It reconnects by itself after a drop,
 * with a growing delay, and resumes with `Last-Event-ID`; it tells its listener what it sees:
 *   onEvent({id, type, data})             each event, in order
 *   onStatus({state, ...})                 'connecting' | 'open' | 'down', with the reason and the next try
 *   onResync(reason)                       the server cannot fill the gap (it restarted, or the events
 *                                          were no longer buffered): the page must reload its state
 */
export class EventStream {
  constructor(url, listener) {
    this.url = url;
    this.listener = listener;
    this.lastEventId = null;
    this.retryMs = 2000;       // the server's `retry:` hint replaces it
    this.attempt = 0;          // failed attempts in a row
    this.connects = 0;         // successful connections so far
    this.state = 'idle';
    this.controller = null;
    this.timer = null;
    this.watchdog = null;
    this.silenceMs = 60000;    // no byte for this long (heartbeats included): the stream is dead
    this.history = [];         // the last connections: {at, sentLastEventId, serverLastId, streamId, replayed, resync}
    this.streamId = null;      // the server's run, from the stream's first comment
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    if (this.controller) this.controller.abort();
  }

  /** Reconnect at once (the banner's "Retry now"). */
  retryNow() {
    if (this.state === 'down') {
      clearTimeout(this.timer);
      this.connect();
    }
  }

  status(state, extra) {
    this.state = state;
    this.listener.onStatus({state, attempt: this.attempt, lastEventId: this.lastEventId, ...extra});
  }

  async connect() {
    clearTimeout(this.timer);
    const controller = new AbortController();
    this.controller = controller;
    const sent = this.lastEventId;
    const h = headers({Accept: 'text/event-stream'});
    if (sent != null) h['Last-Event-ID'] = String(sent);
    this.status('connecting', {resumeFrom: sent});
    let res;
    try {
      res = await fetch(this.url, {headers: h, cache: 'no-store', signal: controller.signal});
    } catch (e) {
      if (!this.stopped) {
        hooks.unreachable(e);
        this.dropped('the server is unreachable (' + (e.message || e) + ')');
      }
      return;
    }
    if (res.status === 401) {
      hooks.unauthorized();
      this.dropped('the server wants an access token (401)', true);
      return;
    }
    if (!res.ok || !res.body) {
      this.dropped('the server answered ' + res.status);
      return;
    }
    hooks.reachable();
    const conn = {at: Date.now(), sentLastEventId: sent, serverLastId: null, replayed: 0, resync: null};
    this.history.push(conn);
    if (this.history.length > 20) this.history.shift();
    this.attempt = 0;
    this.connects++;
    this.status('open', {resumeFrom: sent, reconnected: this.connects > 1});
    this.armWatchdog(controller);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        this.armWatchdog(controller);
        buf += value.replace(/\r\n?/g, '\n');
        const end = buf.lastIndexOf('\n\n');
        if (end >= 0) {
          const blocks = buf.slice(0, end).split('\n\n');
          buf = buf.slice(end + 2);
          for (const b of blocks) this.block(b, conn);
        }
      }
      if (!this.stopped) this.dropped('the server ended the stream');
    } catch (e) {
      if (!this.stopped) this.dropped(controller.signal.aborted && this.silent ? 'no data for ' + this.silenceMs / 1000 + ' s'
          : 'the connection broke (' + (e.message || e) + ')');
    } finally {
      clearTimeout(this.watchdog);
    }
  }

  armWatchdog(controller) {
    clearTimeout(this.watchdog);
    this.silent = false;
    this.watchdog = setTimeout(() => {
      this.silent = true;
      controller.abort();
    }, this.silenceMs);
  }

  /** One SSE block: comment lines, `retry:`, `id:`, `event:`, `data:`. */
  block(block, conn) {
    let id = null;
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comment(line.slice(1).trim(), conn);
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (id != null && /^\d+$/.test(id)) this.lastEventId = Number(id);
    if (data.length === 0) return;
    let parsed;
    try {
      parsed = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    if (conn.serverLastId != null && id != null && Number(id) <= conn.serverLastId) conn.replayed++;
    this.listener.onEvent({id: id == null ? null : Number(id), type, data: parsed});
  }

  comment(text, conn) {
    // ": connected, last event id N": the server's newest id when we connected
    // ": connected, stream S, last event id N": which run of the server this is, and its newest event id
    let m = /^connected, (?:stream (\w+), )?last event id (\d+)/.exec(text);
    if (m) {
      conn.serverLastId = Number(m[2]);
      conn.streamId = m[1] || null;
      const before = this.streamId;
      this.streamId = conn.streamId;
      if (conn.sentLastEventId != null && ((before && conn.streamId && before !== conn.streamId)
          || conn.serverLastId < conn.sentLastEventId)) {
        // another run of the server (it restarted, and its ids started again): what we hold may be stale
        conn.resync = 'restarted';
        this.listener.onResync('the server restarted');
      }
      return;
    }
    // ": events A to B are no longer buffered": a gap we cannot fill from the stream
    m = /^events (\d+) to (\d+) are no longer buffered/.exec(text);
    if (m) {
      conn.resync = 'gap';
      this.listener.onResync('events ' + m[1] + ' to ' + m[2] + ' were missed');
    }
  }

  dropped(reason, needsUser) {
    clearTimeout(this.watchdog);
    if (this.stopped) return;
    this.attempt++;
    // first retry soon, then the server's `retry:` hint, doubling, at most 10 s
    const delay = this.attempt === 1 ? 500 : Math.min(10000, this.retryMs * 2 ** (this.attempt - 2));
    this.status('down', {reason, retryIn: needsUser ? null : delay});
    if (!needsUser) this.timer = setTimeout(() => this.connect(), delay);
  }
}
