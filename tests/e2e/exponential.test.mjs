// End-to-end: the OpenTelemetry JS SDK's exponential histograms (cumulative and delta) → otlpd → a real Prometheus
// started with native histograms, once scraped from the `prometheus` exporter (classic buckets at the exponential
// boundaries) and once through `prometheusremotewrite` (native histograms, behind `deltatocumulative`). Every
// bucket Prometheus holds must count exactly the values recorded within its bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { startOtlpd, waitUntil } from './lib/otlpd.mjs';
import { startScrapingPrometheus } from './lib/prometheus.mjs';

// Two rounds of values, each exported on its own. rpc.duration spans a wide range (the SDK lowers the scale to
// fit 160 buckets) with a zero (the SDK's histograms drop negative values: negative buckets are left to the unit
// tests); queue.wait a narrow one (scale above 8: Prometheus gets 8).
const ROUNDS = {
  'rpc.duration': [[0, 0.5, 1, 3], [100, 250, 3]],
  'queue.wait': [[1.5, 1.501], [1.502, 1.5]],
};
const NAMES = { 'rpc.duration': 'rpc_duration_seconds', 'queue.wait': 'queue_wait_seconds' };

function config(scrapePort, writeUrl) {
  return `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  deltatocumulative:
    max_stale: 5m
exporters:
  prometheus:
    endpoint: 127.0.0.1:${scrapePort}
    const_labels:
      via: scrape
  prometheusremotewrite:
    endpoint: ${writeUrl}
    external_labels:
      via: remote_write
    remote_write_queue:
      num_consumers: 1
service:
  pipelines:
    metrics/scrape:
      receivers: [otlp]
      exporters: [prometheus]
    metrics/remote_write:
      receivers: [otlp]
      processors: [deltatocumulative]
      exporters: [prometheusremotewrite]
`;
}

async function sendMetrics(exporter) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'exp', 'service.instance.id': 'i-1' }),
    readers: [reader],
    views: Object.keys(ROUNDS).map((instrumentName) => ({
      instrumentName, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
    })),
  });
  const meter = provider.getMeter('e2e-exponential');
  const histograms = Object.fromEntries(Object.keys(ROUNDS).map((n) => [n, meter.createHistogram(n, { unit: 's' })]));
  for (const round of [0, 1]) {
    for (const [name, rounds] of Object.entries(ROUNDS)) for (const v of rounds[round]) histograms[name].record(v);
    await provider.forceFlush();
  }
  await provider.shutdown();
}

const all = (name) => ROUNDS[name].flat();
const total = (name) => all(name).reduce((a, b) => a + b, 0);

// The scraped classic buckets: each `le` counts the values at most le.
async function checkScraped(prom, name) {
  const prom_name = NAMES[name];
  const values = all(name);
  let buckets = [];
  const ok = await waitUntil(async () => {
    // The count first: Prometheus stores a scrape whole, so buckets read after it are at least that scrape's.
    const count = await prom.query(`${prom_name}_count{via="scrape"}`);
    if (count.length !== 1 || count[0].value !== values.length) return false;
    buckets = await prom.query(`${prom_name}_bucket{via="scrape"}`);
    return true;
  }, 45_000);
  assert.ok(ok, `${prom_name}_count via scrape: ${JSON.stringify(await prom.query(`${prom_name}_count`))}`);
  assert.ok(buckets.length > 2, `${prom_name} has buckets`);
  for (const { metric, value } of buckets) {
    const le = metric.le === '+Inf' ? Infinity : Number(metric.le);
    assert.equal(value, values.filter((v) => v <= le).length, `${prom_name} le=${metric.le}`);
  }
  const sum = await prom.query(`${prom_name}_sum{via="scrape"}`);
  assert.ok(Math.abs(sum[0].value - total(name)) < 1e-9, `${prom_name}_sum`);
}

// The native histogram stored by remote write: count, sum and each bucket's values by its bounds.
async function checkNative(prom, name) {
  const prom_name = NAMES[name];
  const values = all(name);
  let result;
  const ok = await waitUntil(async () => {
    const r = await fetch(`http://127.0.0.1:${prom.port}/api/v1/query?query=${
      encodeURIComponent(`${prom_name}{via="remote_write"}`)}`);
    result = (await r.json()).data?.result;
    return result?.length === 1 && Number(result[0].histogram?.[1]?.count) === values.length;
  }, 45_000);
  assert.ok(ok, `${prom_name} via remote_write: ${JSON.stringify(result)}`);
  const h = result[0].histogram[1];
  assert.ok(Math.abs(Number(h.sum) - total(name)) < 1e-9, `${prom_name} sum`);
  let counted = 0;
  for (const [rule, lower, upper, count] of h.buckets) {
    const lo = Number(lower);
    const hi = Number(upper);
    // Boundary rules: 0 (lo, hi], 1 [lo, hi), 2 (lo, hi), 3 [lo, hi].
    const inside = (v) => (rule === 1 || rule === 3 ? v >= lo : v > lo) && (rule === 0 || rule === 3 ? v <= hi : v < hi);
    assert.equal(Number(count), values.filter(inside).length, `${prom_name} bucket ${JSON.stringify([rule, lower, upper])}`);
    counted += Number(count);
  }
  assert.equal(counted, values.length, `${prom_name} buckets hold every value`);
}

for (const temporality of ['cumulative', 'delta']) {
  test(`${temporality} exponential histograms reach Prometheus as classic and as native histograms`,
    { timeout: 180_000 }, async () => {
      const { prom, scrapePort } = await startScrapingPrometheus({ args: ['--enable-feature=native-histograms'] });
      let otlpd;
      try {
        otlpd = await startOtlpd(config(scrapePort, prom.writeUrl));
        const temporalityPreference = temporality === 'delta'
          ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE;
        await sendMetrics(new OTLPMetricExporter({
          url: `http://127.0.0.1:${otlpd.ports['otlp/grpc']}`, temporalityPreference,
        }));
        for (const name of Object.keys(ROUNDS)) {
          await checkScraped(prom, name);
          await checkNative(prom, name);
        }
      } catch (e) {
        console.error(`--- otlpd log ---\n${otlpd?.log().slice(-6000)}\n--- prometheus log ---\n${prom.log().slice(-6000)}`);
        throw e;
      } finally {
        await prom.stop();
        await otlpd?.stop().catch(() => {});
        otlpd?.cleanup();
      }
    });
}
