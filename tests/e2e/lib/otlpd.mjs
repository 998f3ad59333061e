// Runs the otlpd binary ($OTLPD_BIN) for end-to-end tests: temp config, port discovery, stop by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

// A config with an otlp receiver (gRPC and HTTP on 127.0.0.1:0) and a `file` exporter for every signal.
// `cors` (optional) becomes the HTTP protocol's cors block.
export function fileConfig(outFile, { cors } = {}) {
  const corsYaml = cors
    ? `        cors:\n          allowed_origins: ${JSON.stringify(cors.allowed_origins)}\n` +
      (cors.max_age ? `          max_age: ${cors.max_age}\n` : '')
    : '';
  return `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
      http:
        endpoint: 127.0.0.1:0
${corsYaml}exporters:
  file:
    path: ${outFile}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
    metrics:
      receivers: [otlp]
      exporters: [file]
    logs:
      receivers: [otlp]
      exporters: [file]
`;
}

// Starts otlpd on `configFor(dir)` (a function of the temp dir, or a YAML string) and resolves once it says
// "is running", with { ports: { '<receiver id>/<transport>': port }, dir, outFile, log(), stop() }.
export async function startOtlpd(configFor = (dir) => fileConfig(join(dir, 'out.jsonl'))) {
  const bin = process.env.OTLPD_BIN;
  if (!bin || !existsSync(bin)) throw new Error(`OTLPD_BIN is not set to the otlpd binary (got ${bin})`);
  const dir = mkdtempSync(join(tmpdir(), 'otlpd-e2e-'));
  const outFile = join(dir, 'out.jsonl');
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, typeof configFor === 'function' ? configFor(dir) : configFor);

  const child = spawn(bin, ['--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  child.stdout.on('data', (d) => { stderr += d.toString(); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`otlpd did not start within ${START_TIMEOUT_MS} ms:\n${stderr}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      if (stderr.includes('is running')) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve();
      }
    };
    child.stderr.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`otlpd exited (code ${code}, signal ${signal}) before running:\n${stderr}`));
    });
  });

  const ports = {};
  for (const m of stderr.matchAll(/receiver (\S+) \((grpc|http)\) listening on (\S+):(\d+)/g)) {
    ports[`${m[1]}/${m[2]}`] = Number(m[4]);
  }

  let stopped = null;
  return {
    ports,
    dir,
    outFile,
    pid: child.pid,
    log: () => stderr,
    // SIGTERM by PID, then waits (bounded) for the exit; SIGKILL if it does not come.
    async stop() {
      if (stopped) return stopped;
      stopped = (async () => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
        let timer;
        const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS); });
        const result = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (result === null) {
          process.kill(child.pid, 'SIGKILL');
          throw new Error(`otlpd did not stop within ${STOP_TIMEOUT_MS} ms:\n${stderr}`);
        }
        return result;
      })();
      return stopped;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The requests the file exporter wrote: one OTLP/JSON Export*ServiceRequest per line.
export function readRequests(outFile) {
  if (!existsSync(outFile)) return [];
  return readFileSync(outFile, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

// Awaits `pred()` (sync or async), polling every 20 ms, for at most `timeoutMs`.
export async function waitUntil(pred, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
