// The timeline: one section per event loop, one row per task with a bar from submit to done, gathers
// drawn around their children, a marker where each done-callback fired and each webhook attempt
// happened, and a "now" line that moves in real time.
//
// It is one canvas the size of its viewport: only the rows in view are drawn (10,000 tasks cost the
// layout, an array walk, not 10,000 drawings). The layout (which rows, in which order) is redone only when
// the data, the filter or the time window changes; the drawing is redone every animation frame.

const AXIS_H = 24;
const ROW_H = 18;
const LOOP_H = 22;
const GUTTER = 210;
const BAR_H = 10;

const COLORS = {
  waiting: '#c9d6ea',
  pending: '#3b7ddd',
  finished: '#2e9e5b',
  failed: '#d64545',
  cancelled: '#9a9a9a',
  callback: '#7b3fb5',
  webhookOk: '#1c8a4a',
  webhookErr: '#e0761b',
  now: '#e0245e',
  grid: '#eceff3',
  text: '#1f2933',
  muted: '#6b7785',
  gather: '#5a4fcf',
  loopBg: '#f3f5f8',
  closed: '#b0b7c0',
};

export class Timeline {
  constructor(canvas, scroller, spacer, tip, model, onSelect) {
    this.canvas = canvas;
    this.scroller = scroller;
    this.spacer = spacer;
    this.tip = tip;
    this.model = model;
    this.onSelect = onSelect;
    this.ctx = canvas.getContext('2d');
    this.windowSec = 10;
    this.follow = true;
    this.viewStart = null; // ms, server clock
    this.filter = () => true;
    this.filterKey = '';
    this.rows = [];
    this.brackets = [];
    this.rowIndex = new Map();
    this.layoutKey = null;
    this.selected = null;
    this.stickBottom = true;
    this.lastDrawn = [];
    this.renderTimes = [];
    this.hover = null;
    this.installEvents();
  }

  setWindow(sec) {
    this.windowSec = sec;
    this.viewStart = null;
    this.follow = true;
  }

  setFilter(fn, key) {
    this.filter = fn;
    this.filterKey = key;
  }

  select(id) {
    this.selected = id;
    const i = this.rowIndex.get(id);
    if (i != null) {
      const top = this.rows[i].y;
      const view = this.scroller.clientHeight - AXIS_H;
      if (top < this.scroller.scrollTop || top + ROW_H > this.scroller.scrollTop + view) {
        this.scroller.scrollTop = Math.max(0, top - view / 2);
        this.stickBottom = false;
      }
    }
  }

  /** The visible time range [t0, t1] in server ms. */
  range(now) {
    if (this.windowSec === 0) {
      let first = Infinity;
      for (const id of this.model.order) {
        const t = this.model.tasks.get(id);
        if (t.createdAt != null) {
          first = t.createdAt;
          break;
        }
      }
      if (!isFinite(first)) first = now - 10000;
      const span = Math.max(5000, (now - first) * 1.05);
      return [first - span * 0.01, first + span];
    }
    const w = this.windowSec * 1000;
    if (this.viewStart == null) this.viewStart = now - w * 0.25;
    if (this.follow && (now > this.viewStart + w * 0.92 || now < this.viewStart)) {
      // the now line sweeps to the right edge, then the window jumps forward under it
      this.viewStart = now - w * 0.3;
    }
    return [this.viewStart, this.viewStart + w];
  }

  layout(t0, t1) {
    const m = this.model;
    // in the "all" window every task is in view whatever the range; otherwise the range decides
    const key = m.version + '|' + this.filterKey + '|' + this.windowSec
        + (this.windowSec === 0 ? '' : '|' + Math.round(t0) + '|' + Math.round(t1));
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    const visible = new Map();
    const all = this.windowSec === 0;
    for (const id of m.order) {
      const t = m.tasks.get(id);
      if (!this.filter(t)) continue;
      if (!all && t.doneAt != null && t.doneAt < t0) continue;
      if (!all && t.createdAt > t1) continue;
      visible.set(id, t);
    }
    const loopNames = [...m.loops.keys()];
    const byLoop = new Map(loopNames.map((n) => [n, []]));
    for (const t of visible.values()) {
      if (t.parent && visible.has(t.parent)) continue;
      if (!byLoop.has(t.loop)) byLoop.set(t.loop, []);
      byLoop.get(t.loop).push(t);
    }
    const rows = [];
    const brackets = [];
    const index = new Map();
    let y = 0;
    const emit = (t, depth) => {
      const i = rows.length;
      rows.push({type: 'task', task: t, depth, y});
      index.set(t.id, i);
      y += ROW_H;
      if (t.kind === 'gather') {
        for (const c of t.children) {
          const ct = visible.get(c);
          if (ct && ct.parent === t.id && !index.has(c)) emit(ct, depth + 1);
        }
        if (rows.length - 1 > i) brackets.push({task: t, first: i, last: rows.length - 1, depth});
      }
    };
    for (const [loop, tops] of byLoop) {
      rows.push({type: 'loop', loop, y, count: tops.length});
      y += LOOP_H;
      for (const t of tops) emit(t, 0);
    }
    this.rows = rows;
    this.brackets = brackets;
    this.rowIndex = index;
    this.visibleCount = visible.size;
    const view = Math.max(0, this.scroller.clientHeight);
    this.spacer.style.height = Math.max(0, y + AXIS_H - view) + 'px';
    if (this.follow && this.stickBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Draws one frame; returns the time it took in ms. */
  render() {
    const start = performance.now();
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = w + 'px';
      c.style.height = h + 'px';
    }
    const now = this.model.now();
    const [t0, t1] = this.range(now);
    this.t0 = t0;
    this.t1 = t1;
    this.layout(t0, t1);
    const g = this.ctx;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    const plotW = Math.max(10, w - GUTTER - 8);
    const scale = plotW / (t1 - t0);
    const X = (t) => GUTTER + (t - t0) * scale;
    this.X = X;
    const top = this.scroller.scrollTop;
    const body = h - AXIS_H;

    // grid and axis
    const step = niceStep((t1 - t0) / Math.max(2, plotW / 100));
    g.fillStyle = COLORS.muted;
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1;
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = Math.round(X(t)) + 0.5;
      g.beginPath();
      g.moveTo(x, AXIS_H - 4);
      g.lineTo(x, h);
      g.stroke();
      g.fillText(clock(t, step), x + 3, AXIS_H / 2);
    }

    // rows in view (binary search for the first)
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid].y + LOOP_H < top) lo = mid + 1;
      else hi = mid;
    }
    g.save();
    g.beginPath();
    g.rect(0, AXIS_H, w, body);
    g.clip();
    const drawn = [];
    for (let i = lo; i < rows.length; i++) {
      const r = rows[i];
      const y = AXIS_H + r.y - top;
      if (y > h) break;
      if (r.type === 'loop') {
        this.drawLoop(g, r, y, w);
        continue;
      }
      const t = r.task;
      const x0 = X(t.createdAt);
      const xs = t.startedAt == null ? null : X(t.startedAt);
      const x1 = X(t.doneAt == null ? Math.max(now, t.createdAt) : t.doneAt);
      const cy = y + ROW_H / 2;
      if (t.id === this.selected) {
        g.fillStyle = '#fff4c2';
        g.fillRect(0, y, w, ROW_H);
      }
      // the name, in the gutter
      g.fillStyle = COLORS.text;
      g.fillText(ellipsize(g, t.name || t.id, GUTTER - 14 - r.depth * 12), 6 + r.depth * 12, cy);
      // the bar: waiting (pale) until the coroutine started, then the state's colour
      const bx0 = Math.max(GUTTER, x0);
      const bx1 = Math.max(bx0 + 2, Math.min(w, x1));
      if (x1 >= GUTTER && x0 <= w) {
        if (xs == null || xs > x0) {
          g.fillStyle = COLORS.waiting;
          g.fillRect(bx0, cy - BAR_H / 2, Math.max(2, Math.min(bx1, xs == null ? bx1 : Math.max(GUTTER, xs)) - bx0), BAR_H);
        }
        if (xs != null) {
          const sx = Math.max(GUTTER, xs);
          g.fillStyle = t.kind === 'gather' && t.view === 'pending' ? COLORS.gather : COLORS[t.view];
          g.fillRect(sx, cy - BAR_H / 2, Math.max(2, bx1 - sx), BAR_H);
        }
        if (t.id === this.selected) {
          g.strokeStyle = '#000';
          g.strokeRect(bx0 - 0.5, cy - BAR_H / 2 - 1.5, bx1 - bx0 + 1, BAR_H + 3);
        }
        this.drawMarkers(g, t, cy, X);
      }
      drawn.push({id: t.id, x0, x1, xs, y, state: t.view});
    }
    // gathers around their children
    for (const b of this.brackets) {
      const first = rows[b.first];
      const last = rows[b.last];
      const y0 = AXIS_H + first.y - top + 1;
      const y1 = AXIS_H + last.y - top + ROW_H - 1;
      if (y1 < AXIS_H || y0 > h) continue;
      const t = b.task;
      const x0 = Math.max(GUTTER - 2, X(t.createdAt) - 3);
      const x1 = Math.min(w - 1, X(t.doneAt == null ? now : t.doneAt) + 3);
      g.strokeStyle = COLORS.gather;
      g.setLineDash([4, 3]);
      g.strokeRect(x0 + 0.5, y0 + 0.5, Math.max(4, x1 - x0), y1 - y0);
      g.setLineDash([]);
    }
    g.restore();

    // the now line
    const nx = Math.round(X(now)) + 0.5;
    if (nx >= GUTTER && nx <= w) {
      g.strokeStyle = COLORS.now;
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(nx, 4);
      g.lineTo(nx, h);
      g.stroke();
      g.lineWidth = 1;
      const lw = g.measureText('now').width + 8;
      const lx = Math.min(nx + 3, w - lw);
      g.fillStyle = '#fff';
      g.fillRect(lx, 2, lw, 14);
      g.fillStyle = COLORS.now;
      g.fillText('now', lx + 4, 9);
    }
    g.fillStyle = COLORS.muted;
    g.fillText(this.visibleCount + ' task' + (this.visibleCount === 1 ? '' : 's') + ' in view', 6, AXIS_H / 2);
    g.strokeStyle = '#d5dae1';
    g.beginPath();
    g.moveTo(GUTTER - 0.5, AXIS_H);
    g.lineTo(GUTTER - 0.5, h);
    g.stroke();
    this.lastDrawn = drawn;
    this.nowX = nx;
    const took = performance.now() - start;
    this.renderTimes.push(took);
    if (this.renderTimes.length > 240) this.renderTimes.shift();
    return took;
  }

  drawLoop(g, r, y, w) {
    const l = this.model.loops.get(r.loop);
    g.fillStyle = COLORS.loopBg;
    g.fillRect(0, y, w, LOOP_H);
    g.fillStyle = l && l.closed ? COLORS.closed : COLORS.text;
    g.font = 'bold 12px system-ui, sans-serif';
    const state = !l ? '' : l.closed ? 'closed' : l.running ? 'running' : 'stopped';
    g.fillText('loop ' + r.loop + (state ? ' — ' + state : ''), 6, y + LOOP_H / 2);
    g.font = '12px system-ui, sans-serif';
  }

  drawMarkers(g, t, cy, X) {
    for (const c of t.callbacks) {
      if (c.firedAt) {
        const x = X(Date.parse(c.firedAt));
        if (x >= GUTTER) {
          g.fillStyle = COLORS.callback;
          g.beginPath();
          g.moveTo(x - 4, cy - BAR_H / 2 - 4);
          g.lineTo(x + 4, cy - BAR_H / 2 - 4);
          g.lineTo(x, cy - BAR_H / 2 + 2);
          g.fill();
        }
      }
      for (const a of c.attempts || []) {
        const x = X(Date.parse(a.at));
        if (x < GUTTER) continue;
        const ok = a.status != null && a.status >= 200 && a.status < 300;
        g.fillStyle = ok ? COLORS.webhookOk : COLORS.webhookErr;
        g.beginPath();
        g.arc(x, cy + BAR_H / 2 + 1, 3.5, 0, Math.PI * 2);
        g.fill();
      }
    }
  }

  /** The bar of task {@code id} as laid out now: its pixel span and times (for tests and tooltips). */
  bar(id) {
    const i = this.rowIndex.get(id);
    if (i == null || !this.X) return null;
    const t = this.rows[i].task;
    const now = this.model.now();
    return {
      id, row: i, y: this.rows[i].y, state: t.view,
      x0: this.X(t.createdAt), x1: this.X(t.doneAt == null ? now : t.doneAt),
      xs: t.startedAt == null ? null : this.X(t.startedAt),
      drawn: this.lastDrawn.some((d) => d.id === id),
      parent: t.parent,
    };
  }

  rowAt(clientY) {
    const rect = this.canvas.getBoundingClientRect();
    const y = clientY - rect.top - AXIS_H + this.scroller.scrollTop;
    if (clientY - rect.top < AXIS_H) return null;
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rows[mid].y + (this.rows[mid].type === 'loop' ? LOOP_H : ROW_H) <= y) lo = mid + 1;
      else hi = mid;
    }
    const r = this.rows[lo];
    return r && r.type === 'task' && y >= r.y ? r : null;
  }

  installEvents() {
    let drag = null;
    this.canvas.addEventListener('mousedown', (e) => {
      drag = {x: e.clientX, start: this.viewStart, moved: false};
    });
    window.addEventListener('mousemove', (e) => {
      if (drag && this.windowSec !== 0 && this.X) {
        const dx = e.clientX - drag.x;
        if (Math.abs(dx) > 3) {
          drag.moved = true;
          this.follow = false;
          const scale = (this.scroller.clientWidth - GUTTER - 8) / (this.windowSec * 1000);
          this.viewStart = drag.start - dx / scale;
          this.onFollowChange && this.onFollowChange(false);
        }
      }
    });
    window.addEventListener('mouseup', (e) => {
      if (drag && !drag.moved && e.target === this.canvas) {
        const r = this.rowAt(e.clientY);
        if (r) this.onSelect(r.task.id);
      }
      drag = null;
    });
    this.canvas.addEventListener('mousemove', (e) => {
      const r = this.rowAt(e.clientY);
      if (!r) {
        this.tip.hidden = true;
        return;
      }
      const t = r.task;
      const end = t.doneAt == null ? this.model.now() : t.doneAt;
      this.tip.textContent = (t.name || t.id) + ' · ' + t.kind + ' · ' + t.view + ' · ' + ((end - t.createdAt) / 1000).toFixed(2) + ' s'
          + (t.callbacks.length ? ' · ' + t.callbacks.length + ' callback' + (t.callbacks.length > 1 ? 's' : '') : '');
      this.tip.hidden = false;
      const box = this.scroller.getBoundingClientRect();
      this.tip.style.left = Math.min(e.clientX - box.left + 12, box.width - 260) + 'px';
      this.tip.style.top = e.clientY - box.top + 14 + 'px';
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.tip.hidden = true;
    });
    this.scroller.addEventListener('scroll', () => {
      const s = this.scroller;
      this.stickBottom = s.scrollTop + s.clientHeight >= s.scrollHeight - 4;
    });
  }
}

function niceStep(raw) {
  const steps = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];
  for (const s of steps) if (s >= raw) return s;
  return 3600000 * Math.ceil(raw / 3600000);
}

function clock(t, step) {
  const d = new Date(t);
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  const ss = String(d.getSeconds()).padStart(2, '0');
  const hms = hh + ':' + mm + ':' + ss;
  return step >= 1000 ? hms : hms + '.' + String(d.getMilliseconds()).padStart(3, '0').slice(0, step < 100 ? 2 : 1);
}

function ellipsize(g, s, max) {
  if (g.measureText(s).width <= max) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.measureText(s.slice(0, mid) + '…').width <= max) lo = mid;
    else hi = mid - 1;
  }
  return s.slice(0, lo) + '…';
}
