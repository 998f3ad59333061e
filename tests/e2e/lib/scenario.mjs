// One scenario for every transport: traces, metrics and logs sent with the OpenTelemetry JS SDK, and the
// checks that they arrived in otlpd's file exporter as sent.
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';

const ATTRS = {
  'attr.str': 'text',
  'attr.int': 42,
  'attr.double': 3.5,
  'attr.bool': true,
  'attr.strs': ['a', 'b'],
  'attr.ints': [1, 2, 3],
};

// Sends the scenario through the given exporters and shuts the providers down (which flushes them).
export async function sendAll(serviceName, { traceExporter, metricExporter, logExporter }) {
  const resource = resourceFromAttributes({ 'service.name': serviceName });

  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(traceExporter)] });
  const tracer = tracerProvider.getTracer('e2e-tracer', '1.2.3');
  const parent = tracer.startSpan('parent-op', { kind: SpanKind.SERVER, attributes: ATTRS });
  const child = tracer.startSpan('child-op', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
  child.addEvent('retry', { 'attempt': 2 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end();
  await tracerProvider.forceFlush();
  await tracerProvider.shutdown();

  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 600_000 });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const meter = meterProvider.getMeter('e2e-meter');
  meter.createCounter('e2e.requests').add(5, { route: '/a' });
  const hist = meter.createHistogram('e2e.latency', { unit: 'ms' });
  for (const v of [1, 20, 300]) hist.record(v, { route: '/a' });
  meter.createGauge('e2e.temperature').record(21.5, { room: 'lab' });
  await meterProvider.forceFlush();
  await meterProvider.shutdown();

  const loggerProvider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const logger = loggerProvider.getLogger('e2e-logger');
  logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'hello log', attributes: ATTRS });
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'second log' });
  await loggerProvider.forceFlush();
  await loggerProvider.shutdown();
}

function attr(list, key) {
  const kv = (list ?? []).find((a) => a.key === key);
  assert.ok(kv, `attribute ${key} missing in ${JSON.stringify(list)}`);
  return kv.value;
}

function checkAttrs(list) {
  assert.equal(attr(list, 'attr.str').stringValue, 'text');
  assert.equal(Number(attr(list, 'attr.int').intValue), 42);
  assert.equal(attr(list, 'attr.double').doubleValue, 3.5);
  assert.equal(attr(list, 'attr.bool').boolValue, true);
  assert.deepEqual(attr(list, 'attr.strs').arrayValue.values.map((v) => v.stringValue), ['a', 'b']);
  assert.deepEqual(attr(list, 'attr.ints').arrayValue.values.map((v) => Number(v.intValue)), [1, 2, 3]);
}

function serviceName(resource) {
  return attr(resource.attributes, 'service.name').stringValue;
}

// Checks what otlpd wrote (the file exporter's requests) against what sendAll sent.
export function checkOutput(requests, expectedService) {
  const spans = [];
  const metrics = [];
  const logs = [];
  for (const r of requests) {
    for (const rs of r.resourceSpans ?? []) {
      assert.equal(serviceName(rs.resource), expectedService);
      for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ scope: ss.scope, s });
    }
    for (const rm of r.resourceMetrics ?? []) {
      assert.equal(serviceName(rm.resource), expectedService);
      for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) metrics.push(m);
    }
    for (const rl of r.resourceLogs ?? []) {
      assert.equal(serviceName(rl.resource), expectedService);
      for (const sl of rl.scopeLogs ?? []) for (const l of sl.logRecords ?? []) logs.push(l);
    }
  }

  // Traces: names, kinds, parent id, attributes of every type, events, status, scope.
  assert.equal(spans.length, 2, JSON.stringify(spans));
  const parent = spans.find((x) => x.s.name === 'parent-op');
  const child = spans.find((x) => x.s.name === 'child-op');
  assert.ok(parent && child);
  assert.equal(parent.scope.name, 'e2e-tracer');
  assert.equal(parent.scope.version, '1.2.3');
  assert.match(parent.s.traceId, /^[0-9a-f]{32}$/);
  assert.match(parent.s.spanId, /^[0-9a-f]{16}$/);
  assert.equal(child.s.traceId, parent.s.traceId);
  assert.equal(child.s.parentSpanId, parent.s.spanId);
  assert.ok(!parent.s.parentSpanId);
  assert.equal(parent.s.kind, 2);  // SPAN_KIND_SERVER
  assert.equal(child.s.kind, 3);   // SPAN_KIND_CLIENT
  checkAttrs(parent.s.attributes);
  assert.equal(child.s.events.length, 1);
  assert.equal(child.s.events[0].name, 'retry');
  assert.equal(Number(attr(child.s.events[0].attributes, 'attempt').intValue), 2);
  assert.equal(child.s.status.code, 2);  // STATUS_CODE_ERROR
  assert.equal(child.s.status.message, 'boom');
  assert.equal(parent.s.status.code, 1);  // STATUS_CODE_OK
  assert.ok(BigInt(parent.s.endTimeUnixNano) >= BigInt(parent.s.startTimeUnixNano));

  // Metrics: counter → monotonic cumulative sum, histogram, gauge.
  const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
  const counter = byName['e2e.requests'];
  assert.ok(counter?.sum, JSON.stringify(metrics));
  assert.equal(counter.sum.isMonotonic, true);
  assert.equal(counter.sum.aggregationTemporality, 2);  // CUMULATIVE
  const cp = counter.sum.dataPoints[0];
  assert.equal(Number(cp.asDouble ?? cp.asInt), 5);
  assert.equal(attr(cp.attributes, 'route').stringValue, '/a');
  const hist = byName['e2e.latency'];
  assert.ok(hist?.histogram);
  assert.equal(hist.unit, 'ms');
  const hp = hist.histogram.dataPoints[0];
  assert.equal(Number(hp.count), 3);
  assert.equal(hp.sum, 321);
  assert.equal(hp.min, 1);
  assert.equal(hp.max, 300);
  assert.equal(hp.bucketCounts.map(Number).reduce((a, b) => a + b, 0), 3);
  const gauge = byName['e2e.temperature'];
  assert.ok(gauge?.gauge);
  assert.equal(Number(gauge.gauge.dataPoints[0].asDouble), 21.5);

  // Logs: bodies, severities, attributes.
  assert.equal(logs.length, 2);
  const warn = logs.find((l) => l.body?.stringValue === 'hello log');
  const err = logs.find((l) => l.body?.stringValue === 'second log');
  assert.ok(warn && err, JSON.stringify(logs));
  assert.equal(warn.severityNumber, 13);  // WARN
  assert.equal(warn.severityText, 'WARN');
  assert.equal(err.severityNumber, 17);  // ERROR
  checkAttrs(warn.attributes);
}
