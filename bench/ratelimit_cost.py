# CPU per request of the daemon, accepted vs throttled by a ratelimiter (HTTP, OTLP/JSON body of N spans, one
# keep-alive connection; --fresh: a new connection per request). A throttled request whose body is at most
# 256 KiB keeps its connection; a larger one closes it, and the client reconnects.
# Usage: python3 bench/ratelimit_cost.py [spans] [requests] [--fresh]; OTLPD_BIN overrides the binary.
import http.client, json, os, subprocess, sys, time, re, tempfile

BIN = os.environ.get("OTLPD_BIN", os.path.join(os.path.dirname(__file__), "..", "build", "src", "otlpd"))
def body(spans):
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "b"}}]},
        "scopeSpans": [{"scope": {"name": "s"}, "spans": [{"traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1),
        "name": "span-%d" % i, "kind": 1, "startTimeUnixNano": "1", "endTimeUnixNano": "2",
        "attributes": [{"key": "k%d" % j, "value": {"stringValue": "v" * 20}} for j in range(8)]} for i in range(spans)]}]}]}).encode()

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def run(limited, n, b):
    cfg = """
extensions:
  ratelimiter: {rate: 0.001, burst: 1, metadata_keys: []}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
%s
exporters:
  debug: {verbosity: basic}
service:
  extensions: [%s]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
""" % ("        middlewares: [{id: ratelimiter}]" if limited else "", "ratelimiter" if limited else "")
    d = tempfile.mkdtemp(); p = os.path.join(d, "c.yaml"); open(p, "w").write(cfg)
    log = open(os.path.join(d, "log"), "w+")
    proc = subprocess.Popen([BIN, "--config", p], stdout=subprocess.DEVNULL, stderr=log)
    port = None
    for _ in range(200):
        time.sleep(0.05); log.seek(0); m = re.search(r"\(http\) listening on 127.0.0.1:(\d+)", log.read())
        if m: port = int(m.group(1)); break
    codes = {}
    conn = http.client.HTTPConnection("127.0.0.1", port)
    c0 = cpu(proc.pid)
    for i in range(n):
        if FRESH: conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/v1/traces", b, {"Content-Type": "application/json"})
        r = conn.getresponse(); r.read()
        if FRESH or r.getheader("Connection", "").lower() == "close": conn.close()  # reopened by the next request
        codes[r.status] = codes.get(r.status, 0) + 1
    c1 = cpu(proc.pid)
    proc.terminate(); proc.wait()
    return (c1 - c0) / n * 1e6, codes

FRESH = "--fresh" in sys.argv
args = [a for a in sys.argv[1:] if a != "--fresh"]
b = body(int(args[0]) if len(args) > 0 else 100)
n = int(args[1]) if len(args) > 1 else 2000
for limited in (False, True):
    us, codes = run(limited, n, b)
    print(f"{'throttled' if limited else 'accepted '}: body {len(b)} B, {n} requests, daemon CPU {us:.1f} us/request, {codes}")
