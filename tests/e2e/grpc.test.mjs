// End-to-end: the OpenTelemetry JS SDK's OTLP/gRPC exporters → otlpd → file exporter.
import { test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { startOtlpd, readRequests } from './lib/otlpd.mjs';
import { sendAll, checkOutput } from './lib/scenario.mjs';

test('traces, metrics and logs over OTLP/gRPC arrive as sent', { timeout: 120_000 }, async () => {
  const otlpd = await startOtlpd();
  try {
    const url = `http://127.0.0.1:${otlpd.ports['otlp/grpc']}`;
    await sendAll('e2e-grpc', {
      traceExporter: new OTLPTraceExporter({ url }),
      metricExporter: new OTLPMetricExporter({ url }),
      logExporter: new OTLPLogExporter({ url }),
    });
    await otlpd.stop();
    checkOutput(readRequests(otlpd.outFile), 'e2e-grpc');
  } finally {
    await otlpd.stop().catch(() => {});
    otlpd.cleanup();
  }
});
