// End-to-end: the OpenTelemetry JS SDK's metrics (cumulative and delta) and spans → otlpd → a real Prometheus,
// once scraped from the `prometheus` exporter and once through `prometheusremotewrite` (behind the
// `deltatocumulative` processor, as a Collector config would have it); spans become RED metrics through
// `spanmetrics`. Every value, label and bucket Prometheus holds is compared with what was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { startOtlpd, waitUntil } from './lib/otlpd.mjs';
import { startScrapingPrometheus } from './lib/prometheus.mjs';

const RESOURCE = {
  'service.namespace': 'e2e', 'service.name': 'shop', 'service.instance.id': 'i-1', 'deployment.environment.name': 'test',
};
const JOB = { job: 'e2e/shop', instance: 'i-1' };
// Spans come from another instance: its target_info is another series. (Sharing one, the target_info samples of
// spanmetrics' flushes and of the SDK's exports could reach Prometheus out of order by remote write; Prometheus
// then refuses the whole request.)
const SPANS_INSTANCE = 'i-2';
const LATENCY_BOUNDS = [10, 50, 100];
const SPAN_BOUNDS = ['5', '50', '1000', '+Inf'];  // spanmetrics buckets below, in ms

// otlpd: OTLP/gRPC in; metrics (and spanmetrics' RED metrics) out to a scrape endpoint and by remote write to
// Prometheus at `writeUrl`, each series labelled with the path it took (`via`).
function config(writeUrl, temporality, scrapePort) {
  return `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
connectors:
  spanmetrics:
    metrics_flush_interval: 1s
    aggregation_temporality: AGGREGATION_TEMPORALITY_${temporality.toUpperCase()}
    histogram:
      explicit:
        buckets: [5ms, 50ms, 1s]
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
      num_consumers: 1  # in order: Prometheus refuses a request with a sample older than the series' last
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [spanmetrics]
    metrics/scrape:
      receivers: [otlp, spanmetrics]
      exporters: [prometheus]
    metrics/remote_write:
      receivers: [otlp, spanmetrics]
      processors: [deltatocumulative]
      exporters: [prometheusremotewrite]
`;
}

// The metrics, recorded in two rounds each exported on its own (so that delta points must add up), and what
// Prometheus must hold after both: { name: [{ labels, value }] } without the job, instance and via labels.
async function sendMetrics(exporter) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes(RESOURCE), readers: [reader] });
  const meter = provider.getMeter('e2e-prometheus');
  const orders = meter.createCounter('orders', { unit: '{order}', description: 'orders taken' });
  const queue = meter.createUpDownCounter('queue.size');
  const temperature = meter.createGauge('temperature', { unit: 'Cel' });
  const latency = meter.createHistogram('latency', { unit: 'ms', advice: { explicitBucketBoundaries: LATENCY_BOUNDS } });
  let cpu = 12.5;
  meter.createObservableCounter('cpu.time', { unit: 's' }).addCallback((r) => r.observe(cpu, { cpu: '0' }));

  orders.add(3, { route: '/a' });
  orders.add(4, { route: '/b' });
  queue.add(10);
  temperature.record(21.5, { room: 'lab' });
  for (const v of [5, 20, 70, 300]) latency.record(v, { route: '/a' });
  await provider.forceFlush();

  orders.add(5, { route: '/a' });
  queue.add(-3);
  temperature.record(19, { room: 'lab' });
  for (const v of [8, 200]) latency.record(v, { route: '/a' });
  cpu = 20;
  await provider.forceFlush();
  await provider.shutdown();

  const latencyValues = [5, 20, 70, 300, 8, 200];
  const buckets = [...LATENCY_BOUNDS.map(String), '+Inf'].map((le, i) => ({
    labels: { route: '/a', le },
    value: latencyValues.filter((v) => i === LATENCY_BOUNDS.length || v <= LATENCY_BOUNDS[i]).length,
  }));
  return {
    orders_total: [{ labels: { route: '/a' }, value: 8 }, { labels: { route: '/b' }, value: 4 }],
    queue_size: [{ labels: {}, value: 7 }],
    temperature_celsius: [{ labels: { room: 'lab' }, value: 19 }],
    cpu_time_seconds_total: [{ labels: { cpu: '0' }, value: 20 }],
    latency_milliseconds_bucket: buckets,
    latency_milliseconds_count: [{ labels: { route: '/a' }, value: 6 }],
    latency_milliseconds_sum: [{ labels: { route: '/a' }, value: 603 }],
  };
}

// Spans of known kinds, statuses and durations (two rounds, a second apart, so that spanmetrics flushes
// between them), and the RED metrics spanmetrics must give for them.
async function sendSpans(exporter) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ ...RESOURCE, 'service.instance.id': SPANS_INSTANCE }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('e2e-prometheus');
  const span = (name, kind, ms, error = false) => {
    const start = Date.now() - 5_000;
    const s = tracer.startSpan(name, { kind, startTime: start });
    if (error) s.setStatus({ code: SpanStatusCode.ERROR });
    s.end(start + ms);
  };
  span('GET /a', SpanKind.SERVER, 3);
  span('GET /a', SpanKind.SERVER, 30);
  span('GET /a', SpanKind.SERVER, 700, true);
  span('query', SpanKind.CLIENT, 2);
  await provider.forceFlush();
  await new Promise((r) => setTimeout(r, 1_500));  // a spanmetrics flush in between (delta: a second point)
  span('GET /a', SpanKind.SERVER, 4);
  await provider.forceFlush();
  await provider.shutdown();

  const dims = (name, kind, status) => ({
    instance: SPANS_INSTANCE, service_name: 'shop', span_name: name, span_kind: `SPAN_KIND_${kind}`, status_code: `STATUS_CODE_${status}`,
  });
  const groups = [
    [dims('GET /a', 'SERVER', 'UNSET'), [3, 30, 4]],
    [dims('GET /a', 'SERVER', 'ERROR'), [700]],
    [dims('query', 'CLIENT', 'UNSET'), [2]],
  ];
  const bounds = [5, 50, 1000, Infinity];
  return {
    traces_span_metrics_calls_total: groups.map(([labels, d]) => ({ labels, value: d.length })),
    traces_span_metrics_duration_milliseconds_count: groups.map(([labels, d]) => ({ labels, value: d.length })),
    traces_span_metrics_duration_milliseconds_sum: groups.map(([labels, d]) => ({
      labels, value: d.reduce((a, b) => a + b, 0),
    })),
    traces_span_metrics_duration_milliseconds_bucket: groups.flatMap(([labels, d]) =>
      SPAN_BOUNDS.map((le, i) => ({ labels: { ...labels, le }, value: d.filter((v) => v <= bounds[i]).length }))),
  };
}

// Series in one canonical form (labels by name, series by labels), so that equal sets print equal.
const canonical = (labels) => Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]]));
const key = (labels) => JSON.stringify(canonical(labels));
const sorted = (series) =>
  series.map(({ labels, value }) => ({ labels: canonical(labels), value }))
    .sort((a, b) => key(a.labels).localeCompare(key(b.labels)));

// Prometheus' series of `name` with via=`via`, as { labels, value } with every label but __name__.
async function held(prom, name, via) {
  const result = await prom.query(`${name}{via="${via}"}`);
  return sorted(result.map(({ metric, value }) => {
    const { __name__, ...labels } = metric;
    assert.equal(__name__, name);
    return { labels, value };
  }));
}

async function checkAll(prom, expected, via) {
  const want = (name) =>
    sorted(expected[name].map(({ labels, value }) => ({ labels: { ...JOB, ...labels, via }, value })));
  const t0 = Date.now();
  // Wait until every metric holds its final values (scrapes and remote writes arrive on their own schedule).
  const ok = await waitUntil(async () => {
    for (const name of Object.keys(expected)) {
      const got = await held(prom, name, via);
      if (JSON.stringify(got) !== JSON.stringify(want(name))) return false;
    }
    return true;
  }, 45_000);
  console.log(`${via}: ${Date.now() - t0} ms`);
  if (!ok) {
    for (const name of Object.keys(expected)) assert.deepEqual(await held(prom, name, via), want(name), `${name} via ${via}`);
  }
  // Nothing else of this job and path: no other metric names, and every series of those has the labels above.
  const names = new Set((await prom.series(`{via="${via}",job="e2e/shop"}`)).map((s) => s.__name__));
  names.delete('target_info');
  assert.deepEqual([...names].sort(), Object.keys(expected).sort(), `metric names via ${via}`);
  // target_info carries the resources' other attributes.
  const info = sorted((await prom.query(`target_info{via="${via}"}`)).map(({ metric, value }) => ({ labels: metric, value })));
  const target = (instance) => ({
    labels: { __name__: 'target_info', ...JOB, instance, deployment_environment_name: 'test', via }, value: 1,
  });
  assert.deepEqual(info, sorted([target('i-1'), target(SPANS_INSTANCE)]), `target_info via ${via}`);
}

for (const temporality of ['cumulative', 'delta']) {
  test(`${temporality} metrics and spanmetrics reach Prometheus by scrape and by remote write`, { timeout: 180_000 },
    async () => {
      const { prom, scrapePort } = await startScrapingPrometheus();
      let otlpd;
      try {
        otlpd = await startOtlpd(config(prom.writeUrl, temporality, scrapePort));
        const url = `http://127.0.0.1:${otlpd.ports['otlp/grpc']}`;
        const temporalityPreference = temporality === 'delta'
          ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE;
        const expected = {
          ...await sendMetrics(new OTLPMetricExporter({ url, temporalityPreference })),
          ...await sendSpans(new OTLPTraceExporter({ url })),
        };
        for (const via of ['scrape', 'remote_write']) await checkAll(prom, expected, via);
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
