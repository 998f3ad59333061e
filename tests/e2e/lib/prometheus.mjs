// Runs Debian's Prometheus (/usr/bin/prometheus) for end-to-end tests: a free loopback port, the remote-write
// receiver on, optionally scraping one target every second; queried through its HTTP API; stopped by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './otlpd.mjs';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

// A free port on 127.0.0.1 (bound, then released).
export async function sparePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Starts Prometheus on `port` (a spare one if not given) and resolves once /-/ready answers, with
// { port, writeUrl, query(q), series(match), stop(), log() }. `scrape` ({ target: 'host:port', scheme, tls })
// adds one job, `otlpd`, scraped every second with honor_labels (the exposed job and instance are kept).
export async function startPrometheus({ port, scrape, args = [] } = {}) {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing (scripts/deps.sh installs it)`);
  port ??= await sparePort();
  const dir = mkdtempSync(join(tmpdir(), 'otlpd-prometheus-'));
  let yml = 'global: {scrape_interval: 1s, evaluation_interval: 1s}\n';
  if (scrape) {
    yml += 'scrape_configs:\n  - job_name: otlpd\n    honor_labels: true\n';
    if (scrape.scheme) yml += `    scheme: ${scrape.scheme}\n`;
    if (scrape.tls) yml += `    tls_config: ${JSON.stringify(scrape.tls)}\n`;
    yml += `    static_configs: [{targets: ['${scrape.target}']}]\n`;
  }
  const configPath = join(dir, 'prometheus.yml');
  writeFileSync(configPath, yml);
  const child = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d.toString(); });
  child.stderr.on('data', (d) => { output += d.toString(); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;

  let stopped = null;
  const prom = {
    port,
    writeUrl: `${base}/api/v1/write`,
    log: () => output,
    // The instant vector of `q` now: [{ metric: {labels}, value: number }].
    async query(q) {
      const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = await r.json();
      if (body.status !== 'success') throw new Error(`query ${q}: ${JSON.stringify(body)}`);
      return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
    },
    // The label sets of the series that match the selector `match`.
    async series(match) {
      const r = await fetch(`${base}/api/v1/series?match[]=${encodeURIComponent(match)}`);
      const body = await r.json();
      if (body.status !== 'success') throw new Error(`series ${match}: ${JSON.stringify(body)}`);
      return body.data;
    },
    // SIGTERM by PID, bounded wait, SIGKILL if it does not exit; removes its data.
    async stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
        let timer;
        const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS); });
        const result = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (result === null) process.kill(child.pid, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };

  let exitedEarly = false;
  exited.then(() => { exitedEarly = true; });
  const ready = await waitUntil(async () => {
    if (exitedEarly) return true;
    try {
      return (await fetch(`${base}/-/ready`)).status === 200;
    } catch {
      return false;
    }
  }, READY_TIMEOUT_MS);
  if (!ready || exitedEarly) {
    await prom.stop();
    throw new Error(`prometheus did not become ready on port ${port}:\n${output}`);
  }
  return prom;
}

// A Prometheus that scrapes a port chosen here, started before otlpd: otlpd's port-0 listeners, bound later, cannot
// take the port Prometheus holds (a race the other order has). Returns { prom, scrapePort }; otlpd's prometheus
// exporter listens on scrapePort.
export async function startScrapingPrometheus({ args = [] } = {}) {
  const scrapePort = await sparePort();
  let port;
  do port = await sparePort(); while (port === scrapePort);
  const prom = await startPrometheus({ port, scrape: { target: `127.0.0.1:${scrapePort}` }, args });
  return { prom, scrapePort };
}
