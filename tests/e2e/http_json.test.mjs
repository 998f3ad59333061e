// End-to-end: the OpenTelemetry JS SDK's OTLP/HTTP exporters (-otlp-http) → otlpd → file exporter.
import { test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { startOtlpd, readRequests } from './lib/otlpd.mjs';
import { sendAll, checkOutput } from './lib/scenario.mjs';

test('traces, metrics and logs over OTLP/HTTP (-otlp-http) arrive as sent', { timeout: 120_000 }, async () => {
  const otlpd = await startOtlpd();
  try {
    const base = `http://127.0.0.1:${otlpd.ports['otlp/http']}`;
    await sendAll('e2e-http_json', {
      traceExporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }),
      metricExporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
      logExporter: new OTLPLogExporter({ url: `${base}/v1/logs` }),
    });
    await otlpd.stop();
    checkOutput(readRequests(otlpd.outFile), 'e2e-http_json');
  } finally {
    await otlpd.stop().catch(() => {});
    otlpd.cleanup();
  }
});
