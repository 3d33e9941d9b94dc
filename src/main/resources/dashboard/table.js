// The task table (newest first, filtered) and the detail panel of the selected task.
//
// The table is virtualised: it keeps one absolutely placed row element per row in view (a few dozen),
// whatever the number of tasks, and fills them from the filtered list when the data or the scroll
// position changes.

const ROW_H = 24;
const OVERSCAN = 6;

export class TaskTable {
  constructor(scroller, spacer, model, onSelect) {
    this.scroller = scroller;
    this.spacer = spacer;
    this.model = model;
    this.onSelect = onSelect;
    this.filter = () => true;
    this.filterKey = '';
    this.list = [];
    this.listKey = null;
    this.pool = [];
    this.selected = null;
    this.dirty = true;
    scroller.addEventListener('scroll', () => {
      this.dirty = true;
    });
    scroller.addEventListener('click', (e) => {
      const row = e.target.closest('.row[data-task-id]');
      if (row) this.onSelect(row.dataset.taskId);
    });
  }

  setFilter(fn, key) {
    this.filter = fn;
    this.filterKey = key;
    this.dirty = true;
  }

  select(id) {
    this.selected = id;
    this.dirty = true;
  }

  /** The filtered ids, newest first (recomputed only when the data or the filter changed). */
  ids() {
    const key = this.model.version + '|' + this.filterKey;
    if (key !== this.listKey) {
      const out = [];
      const o = this.model.order;
      for (let i = o.length - 1; i >= 0; i--) {
        const t = this.model.tasks.get(o[i]);
        if (this.filter(t)) out.push(t.id);
      }
      this.list = out;
      this.listKey = key;
      this.dirty = true;
    }
    return this.list;
  }

  /** Redraws the rows in view if anything changed; `tick` refreshes the durations of running tasks. */
  render(tick) {
    const ids = this.ids();
    if (!this.dirty && !tick) return;
    this.dirty = false;
    this.spacer.style.height = ids.length * ROW_H + 'px';
    const top = this.scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const count = Math.ceil(this.scroller.clientHeight / ROW_H) + 2 * OVERSCAN;
    const last = Math.min(ids.length, first + count);
    while (this.pool.length < count) {
      const el = document.createElement('div');
      el.className = 'row';
      for (let i = 0; i < 7; i++) el.appendChild(document.createElement('span'));
      this.scroller.appendChild(el);
      this.pool.push(el);
    }
    const now = this.model.now();
    for (let p = 0; p < this.pool.length; p++) {
      const el = this.pool[p];
      const i = first + p;
      if (i >= last) {
        if (!el.hidden) {
          el.hidden = true;
          el.removeAttribute('data-task-id');
        }
        continue;
      }
      const t = this.model.tasks.get(ids[i]);
      el.hidden = false;
      el.style.top = i * ROW_H + 'px';
      if (el.dataset.taskId !== t.id) el.dataset.taskId = t.id;
      if (el.dataset.state !== t.view) el.dataset.state = t.view;
      el.classList.toggle('selected', t.id === this.selected);
      const c = el.children;
      set(c[0], t.name || '', t.id);
      set(c[1], t.kind);
      set(c[2], t.loop);
      set(c[3], t.view);
      c[3].className = 'state s-' + t.view;
      set(c[4], t.createdAt == null ? '' : timeOf(t.createdAt));
      const end = t.doneAt == null ? now : t.doneAt;
      set(c[5], t.createdAt == null ? '' : ((end - t.createdAt) / 1000).toFixed(2) + ' s');
      set(c[6], t.exception ? t.exception.type + (t.exception.message ? ': ' + t.exception.message : '')
          : t.rank < 2 ? '' : short(t.result));
    }
  }

  /** The rows in the DOM (for tests): how many exist, and the ids shown. */
  domRows() {
    return this.pool.filter((el) => !el.hidden).map((el) => el.dataset.taskId);
  }
}

function set(el, text, title) {
  if (el.textContent !== text) el.textContent = text;
  if (title !== undefined && el.title !== title) el.title = title;
}

export function timeOf(msUtc) {
  const d = new Date(msUtc);
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0') + ':'
      + String(d.getSeconds()).padStart(2, '0') + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function short(v) {
  if (v === undefined || v === null) return v === null ? 'null' : '';
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}

/** The detail panel: result, exception, callback log, relations, and the actions on the task. */
export class Detail {
  constructor(el, model, actions) {
    this.el = el;
    this.model = model;
    this.actions = actions;
    this.id = null;
    this.rev = -1;
  }

  show(id) {
    this.id = id;
    this.rev = -1;
    this.render();
  }

  render() {
    const t = this.id == null ? null : this.model.task(this.id);
    if (!t) {
      if (this.id != null && this.rev !== -2) {
        this.el.replaceChildren(p('muted', 'Task ' + this.id + ' is not held by the server any more.'));
        this.rev = -2;
      }
      return;
    }
    if (t.rev === this.rev) {
      const took = this.el.querySelector('[data-field=took]');
      if (took && t.doneAt == null) took.textContent = ((this.model.now() - t.createdAt) / 1000).toFixed(2) + ' s so far';
      return;
    }
    this.rev = t.rev;
    const box = document.createDocumentFragment();
    const head = document.createElement('h3');
    head.append(t.name || t.id, ' ');
    const badge = document.createElement('span');
    badge.className = 'state s-' + t.view;
    badge.id = 'detail-state';
    badge.textContent = t.view;
    head.append(badge);
    box.append(head);
    const dl = document.createElement('dl');
    const row = (k, v, field) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      if (v instanceof Node) dd.append(v);
      else dd.textContent = v;
      if (field) dd.dataset.field = field;
      dl.append(dt, dd);
    };
    row('id', t.id, 'id');
    row('kind', t.kind + ' on loop ' + t.loop);
    row(t.rank === 2 ? 'ran on node' : 'runs on node', t.node == null ? '—' : t.node, 'node');
    row('created', t.createdAt == null ? '—' : timeOf(t.createdAt));
    row('started', t.startedAt == null ? 'not yet (waiting for its loop)' : timeOf(t.startedAt));
    row('done', t.doneAt == null ? '—' : timeOf(t.doneAt));
    const end = t.doneAt == null ? this.model.now() : t.doneAt;
    row('took', ((end - t.createdAt) / 1000).toFixed(2) + ' s' + (t.doneAt == null ? ' so far' : ''), 'took');
    if (t.parent) row('parent', link(t.parent, this.model, this.actions.select));
    if (t.children.length) {
      const span = document.createElement('span');
      t.children.forEach((c, i) => {
        if (i) span.append(', ');
        span.append(link(c, this.model, this.actions.select));
      });
      row('children', span);
    }
    box.append(dl);

    if (t.rank === 2) {
      if (t.exception) {
        box.append(h4('exception'));
        box.append(pre(t.exception.type + (t.exception.message ? ': ' + t.exception.message : ''), 'detail-exception'));
      } else {
        box.append(h4('result'));
        box.append(pre(JSON.stringify(t.result, null, 2), 'detail-result'));
      }
    }

    box.append(h4('callback log'));
    if (!t.callbacks.length) {
      box.append(p('muted', t.rank === 2 ? 'no callbacks' : 'the done callbacks fire when the task is done'));
    } else {
      const ol = document.createElement('ol');
      ol.className = 'cblog';
      ol.id = 'detail-callbacks';
      for (const c of t.callbacks) {
        const li = document.createElement('li');
        li.textContent = (c.firedAt ? timeOf(Date.parse(c.firedAt)) + ' ' : '') + c.callback
            + (c.callback === 'record' ? ': the service recorded the outcome' : ' → ' + c.url + ' (' + c.outcome + ')');
        if (c.attempts && c.attempts.length) {
          const ul = document.createElement('ul');
          for (const a of c.attempts) {
            const ai = document.createElement('li');
            ai.textContent = 'attempt ' + a.attempt + ' at ' + timeOf(Date.parse(a.at)) + ': '
                + (a.status != null ? 'HTTP ' + a.status : a.error || 'no answer') + ' in ' + a.durationMs + ' ms'
                + (a.retryIn != null ? ', retry in ' + a.retryIn.toFixed(2) + ' s' : '');
            ul.append(ai);
          }
          li.append(ul);
        }
        ol.append(li);
      }
      box.append(ol);
    }
    if (t.spec) {
      box.append(h4('spec'));
      box.append(pre(JSON.stringify(t.spec, null, 2)));
    }
    const actions = document.createElement('div');
    actions.className = 'actions';
    if (t.rank < 2) {
      const b = button('Cancel', 'detail-cancel', () => this.actions.cancel(t.id));
      actions.append(b);
    } else {
      actions.append(button('Forget (DELETE)', 'detail-delete', () => this.actions.remove(t.id)));
    }
    const msg = document.createElement('span');
    msg.className = 'result';
    msg.id = 'detail-message';
    actions.append(msg);
    box.append(actions);
    this.el.replaceChildren(box);
  }

  message(text) {
    const m = this.el.querySelector('#detail-message');
    if (m) m.textContent = text;
  }
}

function link(id, model, select) {
  const a = document.createElement('a');
  a.href = '#';
  const t = model.task(id);
  a.textContent = t ? (t.name || id) : id;
  a.title = id;
  a.addEventListener('click', (e) => {
    e.preventDefault();
    select(id);
  });
  return a;
}

function h4(text) {
  const h = document.createElement('h4');
  h.textContent = text;
  return h;
}

function pre(text, id) {
  const el = document.createElement('pre');
  el.textContent = text;
  if (id) el.id = id;
  return el;
}

function p(cls, text) {
  const el = document.createElement('p');
  el.className = cls;
  el.textContent = text;
  return el;
}

function button(text, id, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.id = id;
  b.addEventListener('click', onClick);
  return b;
}
