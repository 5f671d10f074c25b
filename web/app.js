// ringmaster status page: polls GET /api/status every 2 s and renders every
// watcher and its processes with one innerHTML per refresh (fine with 500
// processes). With a token (kept in sessionStorage) it shows action buttons
// that POST to /api/watchers/NAME/ACTION.
'use strict';

const POLL_MS = 2000;
const FETCH_TIMEOUT_MS = 10000;
// [action, label, query, title]
const ACTIONS = [
  ['start', 'Start', '', 'start the processes'],
  ['stop', 'Stop', '', 'stop every process'],
  ['restart', 'Restart', 'graceful=true', 'graceful restart: new processes first, old ones stop once the new are ready'],
  ['incr', '+1', '', 'one more process'],
  ['decr', '−1', '', 'one process less'],
];
const $ = (id) => document.getElementById(id);
let sortAsc = true;
let lastStatus = null;
let timer = null;
let inflight = false;
let again = false;
// Actions sent and not answered yet ("name/action"): their buttons stay disabled.
const pending = new Set();
// Rows are not replaced while a button in them is pressed (the click would be
// lost), for at most PRESS_MAX_MS.
const PRESS_MAX_MS = 1500;
let pressedAt = 0;
let deferred = null;

function token() { return sessionStorage.getItem('ringmaster-token') || ''; }

function headers() {
  const t = token();
  return t ? { Authorization: 'Bearer ' + t } : {};
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function duration(sec) {
  if (sec == null) return '';
  sec = Math.floor(sec);
  const d = Math.floor(sec / 86400), h = Math.floor(sec / 3600) % 24, m = Math.floor(sec / 60) % 60, s = sec % 60;
  if (d) return d + 'd ' + h + 'h';
  if (h) return h + 'h ' + m + 'm';
  if (m) return m + 'm ' + s + 's';
  return s + 's';
}

function bytes(n) {
  if (n == null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

function percent(p) { return p == null ? '' : Number(p).toFixed(1) + '%'; }

function badge(state, extraClass) {
  return '<span class="badge s-' + esc(state) + (extraClass ? ' ' + extraClass : '') + '">' + esc(state) + '</span>';
}

function message(text, kind) {
  const m = $('message');
  m.textContent = text;
  m.className = kind || '';
}

function lastExit(e) {
  if (!e) return '';
  const how = e.exit_code < 0 ? 'signal ' + (-e.exit_code) : 'code ' + e.exit_code;
  const when = e.time ? ' at ' + new Date(e.time * 1000).toLocaleTimeString() : '';
  return '<span title="pid ' + esc(e.pid) + esc(when) + '">' + esc(how) + '</span>';
}

function backoff(w) {
  if (!Array.isArray(w.backoff) || !w.backoff.length) return '';
  const title = w.backoff.map((b) => 'wid ' + b.wid + ': ' + b.failures + ' failure(s), next try in ' +
                                      Number(b.delay).toFixed(1) + ' s').join('\n');
  return ' <span class="badge s-backoff" title="' + esc(title) + '">backoff ×' + w.backoff.length + '</span>';
}

// Buttons that cannot do anything in the watcher's state are disabled.
function pointless(w, action) {
  return (action === 'start' && w.state === 'active') || (action === 'stop' && w.state === 'stopped') ||
         (action === 'decr' && w.numprocesses <= 0);
}

// Two groups (start/stop/restart, +1/−1) that wrap as wholes in a narrow window.
function actionButtons(w, name) {
  let acts = '<span class="group">';
  for (const [action, label, query, title] of ACTIONS) {
    const busy = pending.has(w.name + '/' + action) || pointless(w, action);
    if (action === 'incr') acts += '</span> <span class="group">';
    acts += '<button type="button" class="act act-' + action + '" data-action="' + action + '" data-query="' + query +
            '" data-name="' + name + '" title="' + esc(title) + '"' + (busy ? ' disabled' : '') + '>' + label + '</button>';
  }
  return acts + '</span>';
}

function render() {
  const s = lastStatus;
  if (!s) return;
  clearTimeout(deferred);
  deferred = null;
  const held = pressedAt ? Date.now() - pressedAt : Infinity;
  if (held < PRESS_MAX_MS) {
    deferred = setTimeout(render, PRESS_MAX_MS - held);
    return;
  }
  const d = s.daemon || {};
  $('daemon').textContent = 'v' + d.version + ' · pid ' + d.pid + ' · up ' + duration(d.uptime) +
                            (d.shutting_down ? ' · shutting down' : '');
  const filter = $('filter').value.trim().toLowerCase();
  const canAct = token() !== '';
  const all = s.watchers || [];
  const watchers = all.filter((w) => w.name.toLowerCase().includes(filter));
  watchers.sort((a, b) => (sortAsc ? 1 : -1) * a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const out = [];
  let nprocs = 0;
  for (const w of watchers) {
    const name = esc(w.name);
    const procs = w.processes || [];
    nprocs += procs.length;
    const oldest = procs.reduce((m, p) => Math.max(m, p.uptime || 0), 0);
    out.push('<tr class="watcher st-' + esc(w.state) + '" data-watcher="' + name + '" data-state="' + esc(w.state) + '">' +
             '<td class="name">' + name + '</td>' +
             '<td class="state">' + badge(w.state) +
             (w.busy ? ' ' + badge('busy') + ' <span class="muted">' + esc(w.busy.command) +
                       (w.busy.step ? ' ' + esc(w.busy.step) : '') + '</span>' : '') + backoff(w) + '</td>' +
             '<td>' + badge(w.readiness) + '</td>' +
             '<td class="num">' + w.running + ' / ' + w.numprocesses +
             (w.ready !== w.running ? ' <span class="muted">(' + w.ready + ' ready)</span>' : '') + '</td>' +
             '<td class="num">' + (w.running ? duration(oldest) : '') + '</td>' +
             '<td class="num">' + w.restarts + '</td>' +
             '<td class="num">' + (w.running ? percent(w.cpu_percent) : '') + '</td>' +
             '<td class="num">' + (w.running ? bytes(w.rss) : '') + '</td>' +
             '<td class="last-exit">' + lastExit(w.last_exit) + '</td>' +
             '<td class="actions">' + (canAct ? actionButtons(w, name) : '') + '</td></tr>');
    for (const p of procs) {
      out.push('<tr class="proc" data-watcher="' + name + '" data-pid="' + esc(p.pid) + '">' +
               '<td class="name">pid <span class="pid">' + esc(p.pid) + '</span> <span class="muted">wid ' + esc(p.wid) + '</span></td>' +
               '<td>' + badge(p.state) + '</td>' +
               '<td class="muted status-text">' + (p.status_text ? esc(p.status_text) : '') + '</td>' +
               '<td></td>' +
               '<td class="num">' + duration(p.uptime) + '</td>' +
               '<td></td>' +
               '<td class="num">' + percent(p.cpu_percent) + '</td>' +
               '<td class="num">' + bytes(p.rss) + '</td>' +
               '<td></td><td></td></tr>');
    }
  }
  if (!out.length) {
    out.push('<tr class="empty"><td colspan="10" class="muted">' +
             (all.length ? 'no watcher matches “' + esc(filter) + '”' : 'no watchers') + '</td></tr>');
  }
  $('rows').innerHTML = out.join('');
  $('updated').textContent = 'updated ' + new Date(s.time * 1000).toLocaleTimeString() + ' · ' +
                             (watchers.length === all.length ? all.length : watchers.length + ' of ' + all.length) +
                             ' watcher(s) · ' + nprocs + ' process(es)';
}

async function refresh() {
  // One request at a time; a refresh asked for meanwhile runs right after it.
  if (inflight) { again = true; return; }
  clearTimeout(timer);
  // A hidden tab does not poll; it refreshes when shown again.
  if (document.hidden) return;
  inflight = true;
  try {
    const r = await fetch('/api/status', { headers: headers(), cache: 'no-store',
                                           signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (r.ok) {
      lastStatus = await r.json();
      $('watchers').classList.remove('stale');
      $('updated').className = 'live';
      render();
      if ($('message').dataset.stale) { message(''); delete $('message').dataset.stale; }
    } else {
      const p = await r.json().catch(() => ({}));
      if (r.status === 401 && token()) {
        sessionStorage.removeItem('ringmaster-token');
        updateTokenUi();
        render();
        message('The token was refused (' + (p.detail || r.statusText) + '); enter it again.', 'error');
      } else {
        message((r.status === 401 ? 'Enter the token: ' : 'Error: ') + (p.detail || r.statusText), 'error');
      }
      if (r.status === 401 && !lastStatus) {
        $('rows').innerHTML = '<tr class="empty"><td colspan="10" class="muted">enter the token to see the watchers</td></tr>';
      }
      $('updated').className = '';
      $('message').dataset.stale = '1';
    }
  } catch (e) {
    $('watchers').classList.add('stale');
    $('updated').className = '';
    message('The daemon does not answer (' + e.message + '); retrying…', 'error');
    $('message').dataset.stale = '1';
  } finally {
    inflight = false;
  }
  clearTimeout(timer);
  if (again) {
    again = false;
    refresh();
  } else {
    timer = setTimeout(refresh, POLL_MS);
  }
}

async function act(button) {
  const { action, name, query } = button.dataset;
  const key = name + '/' + action;
  if (pending.has(key)) return;
  const url = '/api/watchers/' + encodeURIComponent(name) + '/' + action + (query ? '?' + query : '');
  pending.add(key);
  button.disabled = true;
  message(action + ' ' + name + '…', 'busy');
  delete $('message').dataset.stale;
  try {
    const r = await fetch(url, { method: 'POST', headers: headers(), body: '',
                                 signal: AbortSignal.timeout(FETCH_TIMEOUT_MS * 3) });
    const body = await r.json().catch(() => ({}));
    if (r.ok) {
      message(action + ' ' + name + ': ' + (r.status === 202 ? 'accepted' : 'done') +
              (body.numprocesses != null ? ' (numprocesses ' + body.numprocesses + ')' : ''), 'ok');
    } else {
      message(action + ' ' + name + ' failed (' + r.status + '): ' + (body.detail || r.statusText), 'error');
    }
  } catch (e) {
    message(action + ' ' + name + ' failed: ' + e.message, 'error');
  }
  pending.delete(key);
  button.disabled = false;
  refresh();
}

function updateTokenUi() {
  const has = token() !== '';
  $('token').hidden = has;
  $('token-save').hidden = has;
  $('token-clear').hidden = !has;
}

function pointerReleased() {
  if (!pressedAt) return;
  pressedAt = 0;
  // After the click event of this press has run.
  if (deferred) {
    clearTimeout(deferred);
    deferred = setTimeout(render, 0);
  }
}

$('rows').addEventListener('pointerdown', (ev) => {
  if (ev.target.closest('button')) pressedAt = Date.now();
});
window.addEventListener('pointerup', pointerReleased);
window.addEventListener('pointercancel', pointerReleased);
$('rows').addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-action]');
  if (b && !b.disabled) act(b);
});
$('filter').addEventListener('input', render);
$('sort').addEventListener('click', () => {
  sortAsc = !sortAsc;
  $('sort').textContent = 'Name ' + (sortAsc ? '▲' : '▼');
  $('sort').closest('th').setAttribute('aria-sort', sortAsc ? 'ascending' : 'descending');
  render();
});
$('show-procs').checked = localStorage.getItem('ringmaster-hide-procs') !== '1';
$('watchers').classList.toggle('hide-procs', !$('show-procs').checked);
$('show-procs').addEventListener('change', () => {
  const show = $('show-procs').checked;
  $('watchers').classList.toggle('hide-procs', !show);
  localStorage.setItem('ringmaster-hide-procs', show ? '0' : '1');
});
$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('token').value.trim();
  if (t) sessionStorage.setItem('ringmaster-token', t);
  $('token').value = '';
  updateTokenUi();
  render();
  refresh();
});
$('token-clear').addEventListener('click', () => {
  sessionStorage.removeItem('ringmaster-token');
  updateTokenUi();
  render();
});
// The table header sticks below the page header, whose height varies.
new ResizeObserver(() => {
  document.documentElement.style.setProperty('--header-h', $('top').offsetHeight + 'px');
}).observe($('top'));
document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
updateTokenUi();
refresh();
