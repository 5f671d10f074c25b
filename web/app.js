// ringmaster status page: polls GET /api/status every 2 s and renders every
// watcher and its processes with one innerHTML per refresh (fine with 500
// processes). With a token (kept in sessionStorage) it shows action buttons
// that POST to /api/watchers/NAME/ACTION.
'use strict';

const POLL_MS = 2000;
const ACTIONS = [
  ['start', 'start', ''],
  ['stop', 'stop', ''],
  ['restart', 'restart', 'graceful=true'],
  ['incr', '+1', ''],
  ['decr', '−1', ''],
];
const $ = (id) => document.getElementById(id);
let sortAsc = true;
let lastStatus = null;
let timer = null;

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
  const units = ['B', 'K', 'M', 'G', 'T'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + units[i];
}

function badge(state) { return '<span class="badge s-' + esc(state) + '">' + esc(state) + '</span>'; }

function message(text, kind) {
  const m = $('message');
  m.textContent = text;
  m.className = kind || '';
}

function lastExit(e) {
  if (!e) return '';
  const how = e.exit_code < 0 ? 'signal ' + (-e.exit_code) : 'code ' + e.exit_code;
  return esc(how) + ' <span class="muted">(pid ' + esc(e.pid) + ')</span>';
}

function render() {
  const s = lastStatus;
  if (!s) return;
  const d = s.daemon || {};
  $('daemon').textContent = 'v' + d.version + ' · pid ' + d.pid + ' · up ' + duration(d.uptime);
  const filter = $('filter').value.trim().toLowerCase();
  const canAct = token() !== '';
  const watchers = (s.watchers || []).filter((w) => w.name.toLowerCase().includes(filter));
  watchers.sort((a, b) => (sortAsc ? 1 : -1) * a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const out = [];
  for (const w of watchers) {
    const name = esc(w.name);
    let acts = '';
    if (canAct) {
      for (const [action, label, query] of ACTIONS) {
        acts += '<button type="button" data-action="' + action + '" data-query="' + query +
                '" data-name="' + name + '">' + label + '</button>';
      }
    }
    const oldest = Math.max(0, ...w.processes.map((p) => p.uptime || 0));
    out.push('<tr class="watcher" data-watcher="' + name + '"><td>' + name + '</td><td>' + badge(w.state) +
             (w.busy ? ' ' + badge('busy') + ' <span class="muted">' + esc(w.busy.command) +
                       (w.busy.step ? ' ' + esc(w.busy.step) : '') + '</span>' : '') +
             '</td><td>' + badge(w.readiness) + '</td><td class="num">' + w.running + ' / ' + w.numprocesses +
             ' <span class="muted">(' + w.ready + ' ready)</span></td><td class="num">' +
             (w.running ? duration(oldest) : '') + '</td><td class="num">' + w.restarts +
             '</td><td class="num">' + w.cpu_percent.toFixed(1) + '%</td><td class="num">' + bytes(w.rss) +
             '</td><td>' + lastExit(w.last_exit) + '</td><td class="actions">' + acts + '</td></tr>');
    for (const p of w.processes) {
      out.push('<tr class="proc"><td>pid ' + p.pid + ' <span class="muted">wid ' + p.wid + '</span></td><td>' +
               badge(p.state) + '</td><td></td><td></td><td class="num">' + duration(p.uptime) +
               '</td><td></td><td class="num">' + (p.cpu_percent == null ? '' : p.cpu_percent.toFixed(1) + '%') +
               '</td><td class="num">' + bytes(p.rss) + '</td><td></td><td></td></tr>');
    }
  }
  if (!out.length) out.push('<tr><td colspan="10" class="muted">no watcher matches</td></tr>');
  $('rows').innerHTML = out.join('');
  $('updated').textContent = 'updated ' + new Date(s.time * 1000).toLocaleTimeString() +
                             ' · ' + watchers.length + ' watcher(s)';
}

async function refresh() {
  clearTimeout(timer);
  try {
    const r = await fetch('/api/status', { headers: headers(), cache: 'no-store' });
    if (r.ok) {
      lastStatus = await r.json();
      render();
      if ($('message').dataset.stale) { message(''); delete $('message').dataset.stale; }
    } else {
      const p = await r.json().catch(() => ({}));
      message((r.status === 401 ? 'Enter the token: ' : 'Error: ') + (p.detail || r.statusText), 'error');
      $('message').dataset.stale = '1';
    }
  } catch (e) {
    message('The daemon does not answer (' + e.message + '); retrying…', 'error');
    $('message').dataset.stale = '1';
  }
  timer = setTimeout(refresh, POLL_MS);
}

async function act(button) {
  const { action, name, query } = button.dataset;
  const url = '/api/watchers/' + encodeURIComponent(name) + '/' + action + (query ? '?' + query : '');
  button.disabled = true;
  message(action + ' ' + name + '…');
  try {
    const r = await fetch(url, { method: 'POST', headers: headers(), body: '' });
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
  button.disabled = false;
  refresh();
}

function updateTokenUi() {
  const has = token() !== '';
  $('token').hidden = has;
  $('token-save').hidden = has;
  $('token-clear').hidden = !has;
}

$('rows').addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-action]');
  if (b) act(b);
});
$('filter').addEventListener('input', render);
$('sort').addEventListener('click', () => {
  sortAsc = !sortAsc;
  $('sort').textContent = 'Name ' + (sortAsc ? '▲' : '▼');
  render();
});
$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('token').value.trim();
  if (t) sessionStorage.setItem('ringmaster-token', t);
  $('token').value = '';
  updateTokenUi();
  refresh();
});
$('token-clear').addEventListener('click', () => {
  sessionStorage.removeItem('ringmaster-token');
  updateTokenUi();
  render();
});
updateTokenUi();
refresh();
