# CPU per request of the daemon, accepted vs throttled by a ratelimiter.
#
# Default mode: HTTP, OTLP/JSON body of N spans, one keep-alive connection from this script, one request at a time
# (--fresh: a new connection per request). A throttled request keeps its connection (its body read and dropped).
# --load: otlpd-loadgen (OTLP/HTTP protobuf, then OTLP/gRPC; 16 connections or streams, --flood: a refused client sends its next request at
# once) for --seconds; the throttled daemon answers every request 429 or RESOURCE_EXHAUSTED.
# Usage: python3 bench/ratelimit_cost.py [spans] [requests] [--fresh]
#        python3 bench/ratelimit_cost.py --load [spans ...] [--seconds S] [--rounds N]
# OTLPD_BIN and LOADGEN_BIN override the binaries; PROTOCOLS="grpc" (or "http-proto") runs one protocol of --load.
# --load also reports the daemon's minor page faults per request; GLIBC_TUNABLES=glibc.malloc.tcache_count=7 (a
# glibc default) runs the daemon with glibc's allocator thresholds instead of its own (src/platform/allocator.h).
import http.client, json, os, subprocess, sys, time, re, tempfile

HERE = os.path.dirname(__file__)
BIN = os.environ.get("OTLPD_BIN", os.path.join(HERE, "..", "build", "src", "otlpd"))
LOADGEN = os.environ.get("LOADGEN_BIN", os.path.join(HERE, "..", "build", "bench", "otlpd-loadgen"))

def body(spans):
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "b"}}]},
        "scopeSpans": [{"scope": {"name": "s"}, "spans": [{"traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1),
        "name": "span-%d" % i, "kind": 1, "startTimeUnixNano": "1", "endTimeUnixNano": "2",
        "attributes": [{"key": "k%d" % j, "value": {"stringValue": "v" * 20}} for j in range(8)]} for i in range(spans)]}]}]}).encode()

def stat(pid):
    """The daemon's CPU time (utime + stime, seconds) and minor page faults, from one read of /proc/PID/stat."""
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"), int(f[7])

def cpu(pid):
    return stat(pid)[0]

def start(limited):
    cfg = """
extensions:
  ratelimiter: {rate: 0.001, burst: 1, metadata_keys: []}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
%s
      grpc:
        endpoint: 127.0.0.1:0
%s
exporters:
  debug: {verbosity: basic}
service:
  extensions: [%s]
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
""" % ("        middlewares: [{id: ratelimiter}]" if limited else "", "        middlewares: [{id: ratelimiter}]" if limited else "",
       "ratelimiter" if limited else "")
    d = tempfile.mkdtemp(); p = os.path.join(d, "c.yaml"); open(p, "w").write(cfg)
    log = open(os.path.join(d, "log"), "w+")
    proc = subprocess.Popen([BIN, "--config", p], stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(200):
        time.sleep(0.05); log.seek(0); text = log.read()
        h = re.search(r"\(http\) listening on 127.0.0.1:(\d+)", text); g = re.search(r"\(grpc\) listening on 127.0.0.1:(\d+)", text)
        if h and g: return proc, {"http": int(h.group(1)), "grpc": int(g.group(1))}
    proc.kill(); raise SystemExit("otlpd did not start")

def run(limited, n, b):
    proc, ports = start(limited)
    port = ports["http"]
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

def run_load(limited, spans, seconds, protocol):
    proc, ports = start(limited)
    port = ports["grpc" if protocol == "grpc" else "http"]
    c0, f0 = stat(proc.pid)
    done = subprocess.run([LOADGEN, "--protocol", protocol, "--endpoint", f"127.0.0.1:{port}", "--spans-per-request",
                          str(spans), "--concurrency", "16", "--duration", str(seconds), "--flood"],
                         capture_output=True, text=True)
    c1, f1 = stat(proc.pid)
    proc.terminate(); proc.wait()
    # otlpd-loadgen exits 1 when no span was accepted, which a throttled run may well see; no JSON line is a failure.
    out = done.stdout.strip()
    if not out.endswith("}"):
        raise SystemExit(f"otlpd-loadgen exited {done.returncode} (daemon exit {proc.returncode}):\n"
                         f"{done.stderr}{out[-2000:]}")
    r = json.loads(out.splitlines()[-1])
    return (c1 - c0) / r["requests"] * 1e6, r["requests"], r["ok_requests"], (f1 - f0) / r["requests"]

args = [a for a in sys.argv[1:] if not a.startswith("--")]
FRESH = "--fresh" in sys.argv
if "--load" in sys.argv:
    seconds, rounds = 6, 1
    for flag in ("--seconds", "--rounds"):
        if flag in sys.argv:
            value = sys.argv[sys.argv.index(flag) + 1]; args.remove(value)
            if flag == "--seconds": seconds = float(value)
            else: rounds = int(value)
    print("| protocol | spans/request | accepted: daemon CPU (and minor faults) per request | throttled | "
          "throttled / accepted |")
    print("| --- | --- | --- | --- | --- |")
    for protocol in os.environ.get("PROTOCOLS", "http-proto grpc").split():
        for spans in [int(a) for a in args] or [1, 100, 512]:
            # --rounds N: N pairs in ABBA order (accepted first in odd pairs), so that a drift of the machine's
            # speed cancels out; the row is the pair with the median ratio.
            pairs = []
            for i in range(rounds):
                order = (False, True) if i % 2 == 0 else (True, False)
                got = {limited: run_load(limited, spans, seconds, protocol) for limited in order}
                pairs.append((got[True][0] / got[False][0], got[False], got[True]))
            pairs.sort(key=lambda p: p[0])
            ratio, (acc, n_acc, ok_acc, flt_acc), (thr, n_thr, ok_thr, flt_thr) = pairs[len(pairs) // 2]
            spread = "" if rounds == 1 else " (pairs: " + ", ".join(f"{100 * p[0]:.0f}" for p in pairs) + " %)"
            print(f"| {protocol} | {spans} | {acc:.0f} µs ({n_acc} requests, {ok_acc} ok, {flt_acc:.1f} faults) | "
                  f"{thr:.0f} µs ({n_thr} requests, {n_thr - ok_thr} refused, {flt_thr:.1f} faults) | "
                  f"{100 * ratio:.0f} %{spread} |", flush=True)
    sys.exit(0)
b = body(int(args[0]) if len(args) > 0 else 100)
n = int(args[1]) if len(args) > 1 else 2000
for limited in (False, True):
    us, codes = run(limited, n, b)
    print(f"{'throttled' if limited else 'accepted '}: body {len(b)} B, {n} requests, daemon CPU {us:.1f} us/request, {codes}")
