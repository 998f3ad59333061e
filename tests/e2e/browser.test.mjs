// End-to-end: headless Chromium posts OTLP/JSON with fetch() to otlpd; CORS lets an allowed origin through
// (preflight + POST) and makes the browser block a page from another origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startOtlpd, fileConfig, readRequests } from './lib/otlpd.mjs';

const CHROMIUM = '/usr/bin/chromium';

// A page server on 127.0.0.1:<random port>; its origin is what the browser sends as Origin.
async function pageServer() {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>otlpd e2e</title><p>page</p>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// A hand-written OTLP/JSON trace with one span.
function traceBody(name) {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'e2e-browser' } }] },
      scopeSpans: [{
        scope: { name: 'browser' },
        spans: [{
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: 'eee19b7ec3c1b174',
          name,
          kind: 3,
          startTimeUnixNano: '1700000000000000000',
          endTimeUnixNano: '1700000000100000000',
        }],
      }],
    }],
  });
}

// Runs fetch() in the page and reports whether it resolved, with the status.
function postFromPage(page, url, body) {
  return page.evaluate(async ({ url, body }) => {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      return { ok: true, status: r.status, text: await r.text() };
    } catch (e) {
      return { ok: false, error: String(e) };
    }
  }, { url, body });
}

test('a browser page can send OTLP/JSON only from an allowed origin', { timeout: 120_000 }, async () => {
  const allowed = await pageServer();
  const denied = await pageServer();
  const otlpd = await startOtlpd((dir) =>
    fileConfig(join(dir, 'out.jsonl'), { cors: { allowed_origins: [allowed.origin], max_age: 60 } }));
  const userDataDir = mkdtempSync(join(tmpdir(), 'otlpd-chromium-'));
  let browser;
  try {
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const url = `http://127.0.0.1:${otlpd.ports['otlp/http']}/v1/traces`;

    const page = await browser.newPage();
    await page.goto(allowed.origin + '/', { timeout: 30_000 });
    const ok = await postFromPage(page, url, traceBody('from-allowed-origin'));
    assert.deepEqual(ok, { ok: true, status: 200, text: '{}' });

    const other = await browser.newPage();
    await other.goto(denied.origin + '/', { timeout: 30_000 });
    const blocked = await postFromPage(other, url, traceBody('from-denied-origin'));
    assert.equal(blocked.ok, false, JSON.stringify(blocked));

    await otlpd.stop();
    const names = readRequests(otlpd.outFile)
      .flatMap((r) => r.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans).flatMap((ss) => ss.spans)
      .map((s) => s.name);
    // The preflight of the denied origin failed, so the browser never sent its POST.
    assert.deepEqual(names, ['from-allowed-origin']);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await otlpd.stop().catch(() => {});
    otlpd.cleanup();
    allowed.server.close();
    denied.server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
