// Browser test of the status page: starts ringmasterd with httpd on a free
// loopback port and three watchers of fake_worker, drives the page in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core) and checks
// what a user sees: the token prompt, every watcher and its pids, sorting,
// the name filter, and the restart, +1, stop and start buttons with their
// feedback. Saves a full-page screenshot as $RINGMASTER_BUILD_DIR/status_page.png.
//
// Environment (set by tests/CMakeLists.txt):
//   RINGMASTERD           the daemon binary
//   FAKE_WORKER           the test worker binary
//   RINGMASTER_BUILD_DIR  where the screenshot goes
//   CHROMIUM              optional; default /usr/bin/chromium
//   RINGMASTER_KEEP_TMP   optional; keep the temp dir (config, daemon log)
//
// Exits 0 on success, 1 with a message on failure. Every wait has a deadline;
// the daemon and its workers are stopped and the temp dir removed in all cases.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const TOKEN = 'browser-test-token';
// name -> numprocesses
const WATCHERS = { api: 2, worker: 2, cron: 2 };
const OVERALL_MS = 105_000;   // below the ctest TIMEOUT (120 s)
const STEP_MS = 20_000;       // any single condition
const START_MS = 30_000;      // daemon up, browser launched

class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };

const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1) + ' s';
const log = (msg) => console.log(`[${elapsed()}] ${msg}`);

function env(name, fallback) {
  const v = process.env[name] || fallback;
  if (!v) fail(`${name} is not set (ctest sets it; see tests/CMakeLists.txt)`);
  return v;
}

// ---- the daemon

const state = { dir: null, daemon: null, exit: null, browser: null, port: 0, cleaned: null };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function writeConfig(dir, port, worker) {
  let ini = '[circus]\n' +
            `endpoint = ipc://${dir}/ctl.sock\n` +
            `pubsub_endpoint = ipc://${dir}/ev.sock\n` +
            'loglevel = debug\n' +
            'httpd = true\nhttpd_host = 127.0.0.1\n' +
            `httpd_port = ${port}\nhttp_token = ${TOKEN}\n\n`;
  for (const [name, n] of Object.entries(WATCHERS)) {
    ini += `[watcher:${name}]\ncmd = ${worker} --pidfile-dir ${dir}/pids\nnumprocesses = ${n}\n` +
           'graceful_timeout = 5\n\n';
  }
  const file = path.join(dir, 'watchers.ini');
  fs.writeFileSync(file, ini);
  return file;
}

function daemonLog() {
  try {
    return fs.readFileSync(path.join(state.dir, 'daemon.log'), 'utf8');
  } catch {
    return '';
  }
}

function logTail(lines = 40) {
  return daemonLog().trimEnd().split('\n').slice(-lines).join('\n');
}

function startDaemon(daemon, config) {
  const out = fs.openSync(path.join(state.dir, 'daemon.log'), 'a');
  // detached: its own process group, so nothing here signals the test runner.
  const child = spawn(daemon, [config], { detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  state.daemon = child;
  state.exit = null;
  child.on('exit', (code, signal) => { state.exit = { code, signal }; });
  child.on('error', (e) => { state.exit = { code: null, signal: null, error: e.message }; });
}

async function healthy(port) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

// Starts the daemon on a free port; a port taken meanwhile is retried.
async function bringUp(daemon, worker) {
  for (let attempt = 1; ; attempt++) {
    state.port = await freePort();
    const config = writeConfig(state.dir, state.port, worker);
    startDaemon(daemon, config);
    const end = Date.now() + START_MS;
    while (!state.exit && !(await healthy(state.port))) {
      if (Date.now() > end) fail(`ringmasterd did not serve /healthz within ${START_MS / 1000} s:\n${logTail()}`);
      await sleep(100);
    }
    if (!state.exit) return;
    const how = JSON.stringify(state.exit);
    if (attempt < 3 && /cannot bind/.test(daemonLog())) {
      log(`port ${state.port} was taken (${how}); trying another`);
      continue;
    }
    fail(`ringmasterd exited before serving (${how}):\n${logTail()}`);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// fake_worker processes of this test still running (their pids are in DIR/pids).
function leftoverWorkers(worker) {
  const out = [];
  let names = [];
  try {
    names = fs.readdirSync(path.join(state.dir, 'pids'));
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const procState = st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
      if (cmd[0] === worker && cmd.includes(state.dir + '/pids') && procState !== 'Z') out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}

async function waitExit(ms) {
  const end = Date.now() + ms;
  while (!state.exit && Date.now() < end) await sleep(50);
  return !!state.exit;
}

// SIGTERM, then SIGKILL to its process group after a deadline. Returns problems seen.
async function stopDaemon(worker) {
  const problems = [];
  const child = state.daemon;
  if (child && child.pid && !state.exit) {
    try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
    if (!(await waitExit(15_000))) {
      problems.push('ringmasterd ignored SIGTERM for 15 s; sent SIGKILL');
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      await waitExit(5_000);
    } else if (state.exit.code !== 0) {
      problems.push(`ringmasterd exited with ${JSON.stringify(state.exit)} after SIGTERM`);
    }
  }
  if (worker && state.dir) {
    // Workers lead their own sessions: anything left is killed one by one.
    const left = leftoverWorkers(worker);
    if (left.length) {
      problems.push(`fake_worker processes survived the daemon: ${left.join(' ')}`);
      for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      const end = Date.now() + 5_000;
      while (left.some(alive) && Date.now() < end) await sleep(50);
    }
  }
  return problems;
}

async function cleanup(worker) {
  if (state.cleaned) return state.cleaned;
  state.cleaned = (async () => {
    const problems = [];
    if (state.browser) {
      const closed = state.browser.close().then(() => true, () => true);
      if (!(await Promise.race([closed, sleep(10_000, false, { ref: false })]))) problems.push('the browser did not close within 10 s');
    }
    problems.push(...(await stopDaemon(worker)));
    if (state.dir) {
      if (process.env.RINGMASTER_KEEP_TMP) {
        log(`keeping ${state.dir} (RINGMASTER_KEEP_TMP)`);
      } else {
        fs.rmSync(state.dir, { recursive: true, force: true });
      }
    }
    return problems;
  })();
  return state.cleaned;
}

// ---- the page

async function apiStatus() {
  const r = await fetch(`http://127.0.0.1:${state.port}/api/status`, {
    headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5000),
  });
  if (!r.ok) fail(`GET /api/status: ${r.status} ${await r.text()}`);
  return r.json();
}

// Waits until fn(arg) is truthy in the page; `what` names the condition.
async function until(page, what, fn, arg, timeout = STEP_MS) {
  try {
    return await page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (e) {
    const msg = await page.evaluate(() => document.getElementById('message')?.textContent).catch(() => '?');
    fail(`timed out after ${timeout / 1000} s waiting for ${what} (page message: "${msg}"): ${e.message.split('\n')[0]}`);
  }
}

// What the page shows now: watcher rows in order, with state and pids.
function snapshot(page) {
  return page.evaluate(() => {
    const out = [];
    for (const tr of document.querySelectorAll('#rows tr.watcher')) {
      const name = tr.dataset.watcher;
      const cells = [...tr.children].map((td) => td.textContent.trim());
      const procs = [...document.querySelectorAll('#rows tr.proc')]
        .filter((p) => p.dataset.watcher === name)
        .map((p) => ({ pid: Number(p.dataset.pid), state: p.querySelector('.badge')?.textContent }));
      out.push({
        name, state: tr.dataset.state, cells, procs,
        buttons: [...tr.querySelectorAll('button[data-action]')].map((b) => b.dataset.action),
        badgeColour: getComputedStyle(tr.querySelector('.badge')).backgroundColor,
      });
    }
    return out;
  });
}

// Every named watcher is active, not busy with a command, and shows
// `want[name]` processes, all ready.
function allReady(want) {
  return Object.entries(want).every(([name, n]) => {
    const rows = [...document.querySelectorAll('#rows tr.proc')].filter((p) => p.dataset.watcher === name);
    const w = document.querySelector(`#rows tr.watcher[data-watcher="${name}"]`);
    return w && w.dataset.state === 'active' && !w.querySelector('.s-busy') && rows.length === n &&
           rows.every((r) => r.dataset.pid && r.querySelector('.badge')?.textContent === 'ready');
  });
}

function pidsOf(snap, name) {
  const w = snap.find((x) => x.name === name);
  return w ? w.procs.map((p) => p.pid).sort((a, b) => a - b) : [];
}

async function clickAction(page, name, action) {
  const button = page.locator(`#rows tr.watcher[data-watcher="${name}"] button[data-action="${action}"]`);
  await button.click({ timeout: STEP_MS });
  await until(page, `the feedback message of ${action} ${name}`,
              ([n, a]) => {
                const m = document.getElementById('message');
                return m.classList.contains('ok') && m.textContent.startsWith(a + ' ' + n + ':');
              }, [name, action]);
  const msg = await page.textContent('#message');
  log(`${action} ${name}: page says "${msg}"`);
}

async function run() {
  const daemon = env('RINGMASTERD');
  const worker = env('FAKE_WORKER');
  const buildDir = env('RINGMASTER_BUILD_DIR');
  const chromiumPath = env('CHROMIUM', '/usr/bin/chromium');
  for (const [what, file] of [['RINGMASTERD', daemon], ['FAKE_WORKER', worker]]) {
    try { fs.accessSync(file, fs.constants.X_OK); } catch { fail(`${what}=${file} is not an executable; build it first`); }
  }
  try {
    fs.accessSync(chromiumPath, fs.constants.X_OK);
  } catch {
    fail(`${chromiumPath} not found: run \`make deps\` (installs Debian's chromium)`);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    fail(`cannot load playwright-core from tests/browser/node_modules (${e.code || e.message}): run \`make deps\``);
  }

  state.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rm-browser-'));
  fs.mkdirSync(path.join(state.dir, 'pids'));
  await bringUp(daemon, worker);
  log(`ringmasterd pid ${state.daemon.pid} serves http://127.0.0.1:${state.port}/`);

  state.browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout: START_MS,
  });
  const context = await state.browser.newContext({ viewport: { width: 1280, height: 400 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  log(`chromium ${state.browser.version()} launched`);
  const shot = path.join(buildDir, 'status_page.png');
  try {
    await page.goto(`http://127.0.0.1:${state.port}/`);

    // Reads need the token: the page asks for it.
    await until(page, 'the token prompt', () =>
      document.getElementById('message').textContent.startsWith('Enter the token'));
    await page.fill('#token', TOKEN);
    await page.click('#token-save');
    await until(page, 'every watcher with its processes ready', allReady, WATCHERS);
    let snap = await snapshot(page);
    log(`page shows ${snap.map((w) => `${w.name} [${pidsOf(snap, w.name).join(' ')}]`).join(', ')}`);

    // Sorted by name, both ways.
    const names = Object.keys(WATCHERS).sort();
    if (snap.map((w) => w.name).join() !== names.join()) fail(`rows not sorted by name: ${snap.map((w) => w.name)}`);
    await page.click('#sort');
    await until(page, 'rows sorted by name, descending', (want) =>
      [...document.querySelectorAll('#rows tr.watcher')].map((r) => r.dataset.watcher).join() === want,
    [...names].reverse().join());
    await page.click('#sort');
    await until(page, 'rows sorted by name, ascending', (want) =>
      [...document.querySelectorAll('#rows tr.watcher')].map((r) => r.dataset.watcher).join() === want,
    names.join());

    // The pids, states and columns agree with the API.
    snap = await snapshot(page);
    const api = await apiStatus();
    for (const w of snap) {
      const a = api.watchers.find((x) => x.name === w.name);
      const apiPids = a.processes.map((p) => p.pid).sort((x, y) => x - y);
      if (pidsOf(snap, w.name).join() !== apiPids.join()) {
        fail(`${w.name}: page pids ${pidsOf(snap, w.name)} but /api/status has ${apiPids}`);
      }
      // name, state, readiness, processes, uptime, restarts, cpu, memory, last exit, actions
      const [, st, ready, procs, uptime, restarts, cpu, mem] = w.cells;
      const n = WATCHERS[w.name];
      const problems = [];
      if (st !== 'active') problems.push(`state "${st}"`);
      if (ready !== 'ready') problems.push(`readiness "${ready}"`);
      if (!procs.startsWith(`${n} / ${n}`)) problems.push(`processes "${procs}"`);
      if (!/^\d+[smhd]/.test(uptime)) problems.push(`uptime "${uptime}"`);
      if (!/^\d+$/.test(restarts)) problems.push(`restarts "${restarts}"`);
      if (!/^\d+\.\d%$/.test(cpu)) problems.push(`cpu "${cpu}"`);
      if (!/^\d+(\.\d)? (B|KiB|MiB|GiB)$/.test(mem)) problems.push(`memory "${mem}"`);
      if (w.buttons.join() !== 'start,stop,restart,incr,decr') problems.push(`buttons ${w.buttons}`);
      if (problems.length) fail(`${w.name} row: ${problems.join(', ')} (cells: ${JSON.stringify(w.cells)})`);
    }

    // The filter narrows the rows.
    await page.fill('#filter', 'WOR');
    await until(page, 'the filter to keep only "worker"', () => {
      const rows = [...document.querySelectorAll('#rows tr.watcher, #rows tr.proc')];
      return rows.length > 0 && rows.every((r) => r.dataset.watcher === 'worker');
    });
    await page.fill('#filter', 'nothing-like-this');
    await until(page, 'the "no watcher matches" row', () =>
      document.querySelector('#rows tr.empty')?.textContent.includes('no watcher matches'));
    await page.fill('#filter', '');
    await until(page, 'every watcher after clearing the filter', allReady, WATCHERS);

    // Graceful restart of one watcher: new pids, the others keep theirs.
    snap = await snapshot(page);
    const before = Object.fromEntries(Object.keys(WATCHERS).map((n) => [n, pidsOf(snap, n)]));
    await clickAction(page, 'api', 'restart');
    await until(page, 'api to run 2 new ready processes', ([old, want]) => {
      const rows = [...document.querySelectorAll('#rows tr.proc')].filter((p) => p.dataset.watcher === 'api');
      return rows.length === want && rows.every((r) => !old.includes(Number(r.dataset.pid)) &&
                                                      r.querySelector('.badge')?.textContent === 'ready');
    }, [before.api, WATCHERS.api]);
    snap = await snapshot(page);
    log(`api pids ${before.api.join(' ')} -> ${pidsOf(snap, 'api').join(' ')}`);
    for (const n of ['worker', 'cron']) {
      if (pidsOf(snap, n).join() !== before[n].join()) fail(`restarting api changed ${n}'s pids: ${before[n]} -> ${pidsOf(snap, n)}`);
    }

    // +1 on worker.
    await clickAction(page, 'worker', 'incr');
    await until(page, 'worker to run 3 ready processes', allReady, { ...WATCHERS, worker: 3 });

    // Stop cron: stopped, no processes, another colour; then start it again.
    const activeColour = (await snapshot(page)).find((w) => w.name === 'cron').badgeColour;
    await clickAction(page, 'cron', 'stop');
    await until(page, 'cron to be stopped with no process', () => {
      const w = document.querySelector('#rows tr.watcher[data-watcher="cron"]');
      return w?.dataset.state === 'stopped' && !w.querySelector('.s-busy') &&
             ![...document.querySelectorAll('#rows tr.proc')].some((p) => p.dataset.watcher === 'cron');
    });
    const stoppedColour = (await snapshot(page)).find((w) => w.name === 'cron').badgeColour;
    if (stoppedColour === activeColour) fail(`"stopped" and "active" badges have the same colour ${activeColour}`);
    await clickAction(page, 'cron', 'start');
    await until(page, 'cron to run again', allReady, { ...WATCHERS, worker: 3 });

    if (pageErrors.length) fail(`errors in the page: ${pageErrors.join('; ')}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: shot, fullPage: true });
    log(`screenshot: ${shot}`);
  } catch (e) {
    const failShot = path.join(buildDir, 'status_page-failure.png');
    await page.screenshot({ path: failShot, fullPage: true }).then(
      () => console.error(`screenshot of the failure: ${failShot}`), () => {});
    if (pageErrors.length) console.error(`errors in the page: ${pageErrors.join('; ')}`);
    throw e;
  }
}

async function main() {
  const worker = process.env.FAKE_WORKER;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      console.error(`browser test: ${sig}; cleaning up`);
      await cleanup(worker);
      process.exit(1);
    });
  }
  const watchdog = setTimeout(async () => {
    console.error(`FAIL: the test did not finish within ${OVERALL_MS / 1000} s`);
    if (state.dir) console.error(`daemon log (last lines):\n${logTail()}`);
    await cleanup(worker);
    process.exit(1);
  }, OVERALL_MS);
  let failed = null;
  try {
    await run();
  } catch (e) {
    failed = e;
  }
  if (failed && state.dir && !(failed instanceof Failure && failed.message.includes('ringmasterd'))) {
    console.error(`daemon log (last lines):\n${logTail()}`);
  }
  const problems = await cleanup(worker);
  clearTimeout(watchdog);
  if (failed) {
    console.error(`FAIL: ${failed instanceof Failure ? failed.message : failed.stack || failed}`);
    process.exit(1);
  }
  if (problems.length) {
    console.error(`FAIL: ${problems.join('; ')}`);
    process.exit(1);
  }
  log('PASS');
  process.exit(0);
}

main();
