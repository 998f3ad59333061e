// End-to-end: compressed OTLP/gRPC messages sent over raw HTTP/2 (any grpc-encoding) to the real daemon:
// gzip, deflate and zstd are delivered; gzip and zstd bombs, with and without credentials, are refused within
// the memory bound (2 x max_recv_msg_size_mib) and the daemon keeps delivering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpd, readRequests, waitUntil } from './lib/otlpd.mjs';

const MiB = 1024 * 1024;
const MAX_MSG_MIB = 4;
const TOKEN = 'bomb-test-token';
const EXPORT_TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const GRPC = { OK: 0, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAUTHENTICATED: 16 };

// otlp receiver on gRPC only, bearer token authentication, 4 MiB messages, file exporter.
function config(dir) {
  return `extensions:
  bearertokenauth:
    token: ${TOKEN}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        max_recv_msg_size_mib: ${MAX_MSG_MIB}
        auth: {authenticator: bearertokenauth}
exporters:
  file:
    path: ${join(dir, 'out.jsonl')}
service:
  extensions: [bearertokenauth]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`;
}

// Protobuf encoding, just enough for an ExportTraceServiceRequest with one span.
function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
function field(number, bytes) {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}
function traceRequest(spanName) {
  const span = Buffer.concat([
    field(1, Buffer.alloc(16, 0xab)), // trace_id
    field(2, Buffer.alloc(8, 0xcd)), // span_id
    field(5, Buffer.from(spanName)), // name
  ]);
  return field(1, field(2, field(2, span))); // resource_spans { scope_spans { spans } }
}

// A zstd frame (RFC 8878) of raw blocks (`data`) or of run-length blocks (`rleBytes` zeros): no content size,
// a 1 MiB window, blocks of at most 128 KiB. Node 20's zlib has no zstd.
function zstdFrame({ data, rleBytes }) {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50])];
  const block = (last, type, size, content) => {
    const h = (last ? 1 : 0) | (type << 1) | (size << 3);
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), content);
  };
  const max = 128 * 1024;
  if (data) {
    for (let off = 0; off < data.length || off === 0; off += max) {
      const piece = data.subarray(off, off + max);
      block(off + max >= data.length, 0, piece.length, piece);
    }
  } else {
    for (let left = rleBytes; left > 0; left -= max) block(left <= max, 1, Math.min(max, left), Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

// `zeros` bytes of zeros gzip-compressed by streaming (1 GiB → about 1 MB), never holding them whole.
async function gzipZeros(zeros) {
  const gz = zlib.createGzip({ level: 9, strategy: zlib.constants.Z_RLE });
  const chunks = [];
  gz.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => { gz.on('end', resolve); gz.on('error', reject); });
  const block = Buffer.alloc(MiB);
  for (let left = zeros; left > 0; left -= block.length) {
    if (!gz.write(left >= block.length ? block : block.subarray(0, left))) {
      await new Promise((r) => gz.once('drain', r));
    }
  }
  gz.end();
  await done;
  return Buffer.concat(chunks);
}

// One unary call over raw HTTP/2: the message framed as gRPC (compressed flag set when `encoding` is given,
// sent as grpc-encoding). Resolves with the grpc-status and grpc-message.
function grpcCall(port, message, { encoding, token } = {}) {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', reject);
    const headers = { ':method': 'POST', ':path': EXPORT_TRACES, 'content-type': 'application/grpc', te: 'trailers' };
    if (encoding) headers['grpc-encoding'] = encoding;
    if (token) headers.authorization = `Bearer ${token}`;
    const frame = Buffer.alloc(5);
    frame[0] = encoding ? 1 : 0;
    frame.writeUInt32BE(message.length, 1);
    const stream = client.request(headers);
    stream.setTimeout(60_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    let result = null;
    const take = (h) => {
      if (h['grpc-status'] !== undefined) {
        result = { code: Number(h['grpc-status']), message: decodeURIComponent(h['grpc-message'] ?? '') };
      }
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => {});
    stream.on('error', () => {});
    stream.on('close', () => {
      client.close();
      if (result) resolve(result);
      else reject(new Error(`no grpc-status (HTTP/2 stream closed with code ${stream.rstCode})`));
    });
    stream.write(frame);
    stream.end(message);
  });
}

// Peak and current resident memory of a process, in bytes.
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))[1]) * 1024;
  return { hwm: kib('VmHWM'), rss: kib('VmRSS') };
}

// Resets the process's peak (VmHWM) to its current RSS (proc(5), clear_refs "5"), so that the next peak is the
// next request's.
function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  return memory(pid);
}

function spanNames(outFile) {
  return readRequests(outFile).flatMap((r) =>
    (r.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => s.name))));
}

test('gRPC messages compressed with gzip, deflate or zstd are decompressed by otlpd and delivered',
  { timeout: 120_000 }, async () => {
    const otlpd = await startOtlpd(config);
    try {
      const port = otlpd.ports['otlp/grpc'];
      const sent = [
        ['plain', undefined, (m) => m],
        ['gzip', 'gzip', (m) => zlib.gzipSync(m)],
        ['deflate', 'deflate', (m) => zlib.deflateSync(m)],
        ['zstd', 'zstd', (m) => zstdFrame({ data: m })],
      ];
      for (const [name, encoding, compress] of sent) {
        const r = await grpcCall(port, compress(traceRequest(`span-${name}`)), { encoding, token: TOKEN });
        assert.equal(r.code, GRPC.OK, `${name}: ${r.message}`);
      }
      // Corrupt gzip data is the caller's error, not the daemon's.
      const gz = zlib.gzipSync(traceRequest('span-corrupt'));
      const corrupt = await grpcCall(port, gz.subarray(0, gz.length - 8), { encoding: 'gzip', token: TOKEN });
      assert.equal(corrupt.code, GRPC.INVALID_ARGUMENT);
      assert.match(corrupt.message, /gzip data is truncated/);
      assert.ok(await waitUntil(() => spanNames(otlpd.outFile).length === 4, 20_000), otlpd.log());
      assert.deepEqual(spanNames(otlpd.outFile).sort(), ['span-deflate', 'span-gzip', 'span-plain', 'span-zstd']);
    } finally {
      await otlpd.stop().catch(() => {});
      otlpd.cleanup();
    }
  });

test('gRPC gzip and zstd bombs, with and without credentials, stay within 2 x max_recv_msg_size_mib',
  { timeout: 240_000 }, async () => {
    const gzipBomb = await gzipZeros(1024 * MiB);
    const zstdBomb = zstdFrame({ rleBytes: 1024 * MiB });
    assert.ok(gzipBomb.length < 2 * MiB, `gzip bomb is ${gzipBomb.length} bytes`);
    const bound = 2 * MAX_MSG_MIB * MiB;
    const otlpd = await startOtlpd(config);
    try {
      const port = otlpd.ports['otlp/grpc'];
      // Warm up: the threads and buffers of a normal call are in place before the peak is read.
      assert.equal((await grpcCall(port, zlib.gzipSync(traceRequest('warm-up')), { encoding: 'gzip', token: TOKEN })).code,
        GRPC.OK);
      const cases = [
        ['gzip bomb, no credentials', gzipBomb, 'gzip', undefined, GRPC.UNAUTHENTICATED],
        ['gzip bomb, wrong token', gzipBomb, 'gzip', 'wrong', GRPC.UNAUTHENTICATED],
        ['zstd bomb, no credentials', zstdBomb, 'zstd', undefined, GRPC.UNAUTHENTICATED],
        ['gzip bomb, valid token', gzipBomb, 'gzip', TOKEN, GRPC.RESOURCE_EXHAUSTED],
        ['zstd bomb, valid token', zstdBomb, 'zstd', TOKEN, GRPC.RESOURCE_EXHAUSTED],
      ];
      let delivered = 1;
      for (const [name, bomb, encoding, token, expected] of cases) {
        const before = resetPeak(otlpd.pid);
        const r = await grpcCall(port, bomb, { encoding, token });
        const growth = memory(otlpd.pid).hwm - before.rss;
        console.log(`${name} (${bomb.length} bytes): ${r.code} "${r.message}"; peak RSS ${(before.rss / MiB).toFixed(1)} ` +
          `MiB + ${(growth / MiB).toFixed(1)} MiB`);
        assert.equal(r.code, expected, `${name}: ${r.message}`);
        if (expected === GRPC.RESOURCE_EXHAUSTED) assert.match(r.message, /max_recv_msg_size_mib/);
        assert.ok(growth <= bound, `${name}: peak RSS grew by ${growth} bytes, more than ${bound}`);
        // Still alive and delivering.
        const ok = await grpcCall(port, zlib.gzipSync(traceRequest(`after ${name}`)), { encoding: 'gzip', token: TOKEN });
        assert.equal(ok.code, GRPC.OK, ok.message);
        delivered += 1;
        assert.ok(await waitUntil(() => spanNames(otlpd.outFile).length === delivered, 20_000), otlpd.log());
      }
    } finally {
      await otlpd.stop().catch(() => {});
      otlpd.cleanup();
    }
  });
