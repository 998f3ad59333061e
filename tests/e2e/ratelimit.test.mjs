// End-to-end: the OpenTelemetry JS SDK's OTLP/HTTP trace exporter against otlpd's ratelimiter: a throttled
// export gets 429 with Retry-After, the SDK waits for that hint (not its own shorter back-off) and its data
// arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startOtlpd, readRequests, waitUntil } from './lib/otlpd.mjs';

// One token every 4 s: the second export is told to retry after 4 s, longer than the SDK's first back-off (1 s).
const config = (dir) => `extensions:
  ratelimiter: {rate: 0.25, burst: 1, metadata_keys: []}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
        middlewares: [{id: ratelimiter}]
exporters:
  file:
    path: ${dir}/out.jsonl
service:
  extensions: [ratelimiter]
  telemetry:
    metrics: {address: "127.0.0.1:0"}
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
`;

async function selfMetric(otlpd, series) {
  const m = otlpd.log().match(/telemetry metrics \(http\) listening on \S+:(\d+)/);
  assert.ok(m, 'the metrics endpoint is logged');
  const body = await (await fetch(`http://127.0.0.1:${m[1]}/metrics`)).text();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function spanNames(requests) {
  return requests.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
}

test('the JS SDK honours Retry-After from the ratelimiter and its data arrives', { timeout: 120_000 }, async () => {
  const otlpd = await startOtlpd(config);
  try {
    const exporter = new OTLPTraceExporter({
      url: `http://127.0.0.1:${otlpd.ports['otlp/http']}/v1/traces`,
      timeoutMillis: 20_000,
    });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'e2e-ratelimit' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('e2e');
    tracer.startSpan('first').end();
    await provider.forceFlush();
    const start = Date.now();
    tracer.startSpan('second').end();  // throttled: 429, Retry-After: 4
    await provider.forceFlush();
    const elapsed = Date.now() - start;
    await provider.shutdown();

    assert.ok(await waitUntil(() => spanNames(readRequests(otlpd.outFile)).length === 2, 10_000),
      `both spans arrive; got ${JSON.stringify(spanNames(readRequests(otlpd.outFile)))}`);
    assert.deepEqual(spanNames(readRequests(otlpd.outFile)).sort(), ['first', 'second']);
    // Throttled exactly once: the retry came after the hint, when the token was there.
    assert.equal(await selfMetric(otlpd, 'otlpd_ratelimit_requests_total{limiter="ratelimiter",outcome="throttled"}'), 1);
    assert.ok(elapsed >= 3_500, `the retry waited for Retry-After (${elapsed} ms)`);
  } finally {
    await otlpd.stop().catch(() => {});
    otlpd.cleanup();
  }
});
