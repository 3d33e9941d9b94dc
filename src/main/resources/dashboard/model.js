// What the page knows: the tasks and loops, kept up to date from the task list and the event stream.
//
// Invariants: a task's state only moves forward (created -> started -> done), so a snapshot that is
// older than what the page already holds (a listing that raced with the stream) never undoes it; a
// closed loop stays closed, whatever older state of it arrives later;
// `order` holds every task id, ascending (ids are ULIDs: ascending is creation order); `version` grows
// with every change, and the views redraw when it does.

const MAX_TASKS = 50000; // beyond this, the oldest done tasks are let go (the server forgets them too)

export function ms(t) {
  return t == null ? null : Date.parse(t);
}

/** The state a person sees: asyncio's three, with `finished` split by outcome and `pending` by whether it ran. */
export function displayState(t) {
  if (t.state === 'cancelled') return 'cancelled';
  if (t.state === 'finished') return t.exception ? 'failed' : 'finished';
  return t.startedAt == null ? 'waiting' : 'pending';
}

function rankOf(json) {
  return json.done ? 2 : json.startedAt ? 1 : 0;
}

function weight(callbacks) {
  let n = 0;
  for (const c of callbacks || []) n += 1 + (c.attempts ? c.attempts.length : 0) + (c.outcome && c.outcome !== 'pending' ? 1 : 0);
  return n;
}

export class Model {
  constructor() {
    this.tasks = new Map();
    this.order = [];
    this.loops = new Map();
    /** When an answer or an event last showed each loop (ms). */
    this.loopSetAt = new Map();
    this.version = 0;
    this.epoch = 0;
    this.offsetMs = null; // local clock minus server clock, estimated from live events
  }

  /** The server's clock, in ms, as best the page can tell. */
  now() {
    return Date.now() - (this.offsetMs == null ? 0 : this.offsetMs);
  }

  task(id) {
    return this.tasks.get(id);
  }

  /** Takes a task snapshot (from a listing or a task.* event). */
  upsert(json) {
    let t = this.tasks.get(json.id);
    const rank = rankOf(json);
    if (!t) {
      t = {id: json.id, rank: -1, rev: 0, callbacks: [], children: []};
      this.tasks.set(json.id, t);
      const o = this.order;
      if (o.length === 0 || o[o.length - 1] < json.id) {
        o.push(json.id);
      } else {
        let lo = 0;
        let hi = o.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (o[mid] < json.id) lo = mid + 1;
          else hi = mid;
        }
        o.splice(lo, 0, json.id);
      }
    }
    t.seen = this.epoch;
    if (rank < t.rank) return t;
    // the same snapshot again (a listing, a refresh of the selected task) changes nothing
    const sig = rank + '|' + json.state + '|' + weight(json.callbacks) + '|' + json.name + '|' + (json.children || []).length
        + '|' + json.node;
    if (sig === t.sig) return t;
    t.sig = sig;
    const sameRank = rank === t.rank;
    t.rank = rank;
    t.name = json.name;
    t.kind = json.kind;
    t.loop = json.loop;
    t.node = json.node;
    t.parent = json.parent || null;
    t.children = json.children || [];
    t.state = json.state;
    t.result = json.result;
    t.exception = json.exception || null;
    t.createdAt = ms(json.createdAt);
    t.startedAt = ms(json.startedAt);
    t.doneAt = ms(json.doneAt);
    t.spec = json.spec || null;
    if (!sameRank || weight(json.callbacks) >= weight(t.callbacks)) t.callbacks = json.callbacks || [];
    t.view = displayState(t);
    t.rev++;
    this.version++;
    return t;
  }

  remove(id) {
    if (!this.tasks.delete(id)) return;
    const i = this.indexOf(id);
    if (i >= 0) this.order.splice(i, 1);
    this.version++;
  }

  indexOf(id) {
    const o = this.order;
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (o[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return o[lo] === id ? lo : -1;
  }

  /** A new reload begins: tasks not seen again before {@link #endReload} are gone from the server. */
  beginReload() {
    this.epoch++;
    return this.epoch;
  }

  endReload(epoch) {
    if (epoch !== this.epoch) return;
    const keep = [];
    for (const id of this.order) {
      const t = this.tasks.get(id);
      if (t.seen === epoch) keep.push(id);
      else this.tasks.delete(id);
    }
    this.order = keep;
    this.version++;
  }

  /** Applies one stream event; `live` is false for events the server replayed from its buffer. */
  apply(ev, live) {
    const d = ev.data;
    switch (ev.type) {
      case 'task.created':
      case 'task.started':
      case 'task.done': {
        if (live && ev.type === 'task.created' && d.createdAt) {
          const sample = Date.now() - ms(d.createdAt);
          this.offsetMs = this.offsetMs == null ? sample : Math.min(this.offsetMs, sample);
        }
        this.upsert(d);
        break;
      }
      case 'task.deleted':
        this.remove(d.id);
        break;
      case 'callback.fired': {
        const t = this.tasks.get(d.taskId);
        if (!t) break;
        const exists = t.callbacks.some((c) => c.callback === d.callback
            && (d.callback === 'record' || c.deliveryId === d.deliveryId));
        if (!exists) {
          const entry = {callback: d.callback, firedAt: d.firedAt};
          if (d.url) Object.assign(entry, {url: d.url, deliveryId: d.deliveryId, outcome: 'pending', attempts: []});
          t.callbacks = [...t.callbacks, entry];
          t.rev++;
          this.version++;
        }
        break;
      }
      case 'webhook.attempt': {
        const t = this.tasks.get(d.taskId);
        if (!t) break;
        let entry = t.callbacks.find((c) => c.deliveryId === d.deliveryId);
        if (!entry) {
          entry = {callback: 'webhook', firedAt: d.at, url: d.url, deliveryId: d.deliveryId, outcome: 'pending', attempts: []};
          t.callbacks = [...t.callbacks, entry];
        }
        if (!entry.attempts.some((a) => a.attempt === d.attempt)) {
          const a = {attempt: d.attempt, at: d.at, status: d.status, error: d.error, durationMs: d.durationMs, retryIn: d.retryIn};
          const updated = {...entry, outcome: d.outcome, attempts: [...entry.attempts, a]};
          t.callbacks = t.callbacks.map((c) => (c === entry ? updated : c));
        }
        t.rev++;
        this.version++;
        break;
      }
      case 'loop.created':
      case 'loop.started':
      case 'loop.stopped':
      case 'loop.closed':
        this.setLoop(d);
        break;
      default:
        break;
    }
  }

  /**
   * A loop as an answer or an event shows it. Closed is final: an event from before the close that arrives
   * after its answer (the stream may hold events back a moment) does not show the loop open again.
   */
  setLoop(l) {
    this.mergeLoop(l);
    this.loopSetAt.set(l.name, Date.now());
    this.version++;
  }

  /**
   * The whole list of loops, as GET /loops answered a call made at {@code askedAt} (ms): a loop that an answer or
   * an event showed after that call was made is left as it is, since the list may predate it (a loop created
   * while the call was under way is not dropped, nor one just stopped shown running again).
   */
  setLoops(list, askedAt = Infinity) {
    const fresh = (name) => !(this.loopSetAt.get(name) >= askedAt);
    const names = new Set(list.map((l) => l.name));
    for (const name of [...this.loops.keys()]) {
      if (!names.has(name) && fresh(name)) {
        this.loops.delete(name);
        this.loopSetAt.delete(name);
      }
    }
    for (const l of list) if (fresh(l.name)) this.mergeLoop(l);
    this.version++;
  }

  mergeLoop(l) {
    const was = this.loops.get(l.name);
    this.loops.set(l.name, {...was, ...l, ...(was && was.closed ? {closed: true, running: false} : {})});
  }

  /** Lets the oldest done tasks go when the page holds too many. */
  trim() {
    if (this.order.length <= MAX_TASKS) return;
    let excess = this.order.length - MAX_TASKS;
    const keep = [];
    for (const id of this.order) {
      const t = this.tasks.get(id);
      if (excess > 0 && t.rank === 2) {
        this.tasks.delete(id);
        excess--;
      } else {
        keep.push(id);
      }
    }
    this.order = keep;
    this.version++;
  }

  /** Task counts per loop and display state. */
  counts() {
    const out = new Map();
    for (const t of this.tasks.values()) {
      let c = out.get(t.loop);
      if (!c) out.set(t.loop, (c = {waiting: 0, pending: 0, finished: 0, failed: 0, cancelled: 0}));
      c[t.view]++;
    }
    return out;
  }
}

/** The table's and the timeline's filter: state, kind, loop and a text that matches a name or an id. */
export function matcher(f) {
  const text = (f.text || '').trim().toLowerCase();
  return (t) => {
    if (f.state) {
      if (f.state === 'pending') {
        if (t.view !== 'pending' && t.view !== 'waiting') return false;
      } else if (t.view !== f.state) {
        return false;
      }
    }
    if (f.kind && t.kind !== f.kind) return false;
    if (f.loop && t.loop !== f.loop) return false;
    if (text && !(t.name || '').toLowerCase().includes(text) && !t.id.toLowerCase().includes(text)) return false;
    return true;
  };
}
