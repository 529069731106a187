#!/usr/bin/env python3
"""`cargo xtask bench instructions`: the server's CPU instructions per request, counted by
valgrind's callgrind, for the npm workloads of `bench npm` (a cached 320 KB tarball, the full and
the abbreviated packument of 1,000 versions) through `app -> team -> gateway`; with
BENCH_FORMAT=nuget, the NuGet workloads of `bench nuget` instead (a cached 320 KB `.nupkg`, a
500-version registration index and one of its pages, the flat container's version list).

Requests per second move by up to 25% between runs of the same build on this machine; an
instruction count does not (callgrind counts the instructions the process executes, whatever
else the machine does), so this is how two builds are compared for a cost per request: each
binary of BENCH_BINARIES (`label=path,label=path`; default: this tree's release build) runs
under callgrind with instrumentation off until the chain is set up and each workload warmed
up; then, per workload, the counters are zeroed, BENCH_REQUESTS (1000) requests are sent one
after another on one keep-alive connection (gzip accepted, as wrk sends them), and the total is
dumped. Every thread is counted (the runtime's workers, the blocking pool, SQLite's).
Prints a Markdown table of instructions per request, and each binary's ratio to the first.
BENCH_CALLGRIND_DIR keeps the dumps there (`{label}.{workload number}`), for callgrind_annotate.
BENCH_TOKENS (`admin`; `admin,reader` for both) says whose token the requests carry: the admin's
(administrators skip the permissions policies) or that of a principal the domain's and the
repository's policies allow to read (every request of it evaluates both); each is a column.
"""
import http.client, os, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (ADMIN_KEY, ADMIN_SECRET, FIXTURE, aws_cli, free_port, policy_reader_token, run, tributary_binary,
                      tributary_chain, wait_http)
import npm_bench
import nuget_bench

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
NUGET = os.environ.get("BENCH_FORMAT", "npm") == "nuget"
TOKENS = os.environ.get("BENCH_TOKENS", "admin").split(",")


def npm_workloads():
    """The connection's setting and URL, and (label, path, extra headers) of each workload."""
    base = "/npm/bench/app"
    tgz = f"{npm_bench.NAME}/-/{npm_bench.NAME}-{npm_bench.LATEST}.tgz"
    return [("cached tarball (320 KB)", f"{base}/{tgz}", {}),
            (f"packument, {npm_bench.VERSIONS} versions, full", f"{base}/{npm_bench.NAME}", {}),
            ("packument, abbreviated", f"{base}/{npm_bench.NAME}", {"Accept": "application/vnd.npm.install-v1+json"})]


def nuget_workloads():
    base, lower, latest = "/nuget/bench/app/v3", nuget_bench.LOWER, nuget_bench.LATEST
    return [("cached .nupkg (320 KB)", f"{base}/flatcontainer/{lower}/{latest}/{lower}.{latest}.nupkg", {}),
            (f"registration index, {nuget_bench.VERSIONS} versions", f"{base}/registration-gz-semver2/{lower}/index.json", {}),
            ("registration page, 64 versions", f"{base}/registration-gz-semver2/{lower}/page/1.0.64/1.1.27.json", {}),
            (f"flat container version list, {nuget_bench.VERSIONS} versions", f"{base}/flatcontainer/{lower}/index.json", {})]


def binaries():
    spec = os.environ.get("BENCH_BINARIES")
    if not spec:
        return [("this tree", tributary_binary())]
    return [tuple(item.split("=", 1)) for item in spec.split(",")]


def callgrind(pid, *args):
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, stdout=subprocess.DEVNULL)


def dumped_total(out_dir, pid, before):
    """The instruction total of the newest dump of `pid` not among `before`, the dumps seen, and
    the newest dump's path."""
    for _ in range(200):
        dumps = [f for f in os.listdir(out_dir) if f.startswith(f"cg.{pid}") and f not in before]
        if dumps:
            newest = max(dumps, key=lambda f: os.path.getmtime(os.path.join(out_dir, f)))
            text = open(os.path.join(out_dir, newest)).read()
            m = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
            if m:
                return int(m.group(1)), set(dumps), os.path.join(out_dir, newest)
        time.sleep(0.1)
    raise RuntimeError("callgrind wrote no dump")


def measure(label, binary, aws, fixture_port, work):
    port = free_port()
    out_dir = os.path.join(work, f"callgrind-{port}")
    os.makedirs(out_dir)
    upstream = ({"TRIBUTARY_EXTERNAL_PUBLIC_NUGET_ORG_URL": f"http://127.0.0.1:{fixture_port}/v3/index.json"} if NUGET
                else {"TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL": f"http://127.0.0.1:{fixture_port}"})
    env = dict(os.environ, **upstream, TRIBUTARY_ADMIN_ACCESS_KEY_ID=ADMIN_KEY,
               TRIBUTARY_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET, TRIBUTARY_LOG="warn")
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                             f"--callgrind-out-file={out_dir}/cg.%p", binary, "serve",
                             "--data-dir", os.path.join(work, f"trib-{port}"), "--listen", f"127.0.0.1:{port}"],
                            env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(out_dir, "server.log"), "w"))
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, timeout=300)
        connection = "public:nuget-org" if NUGET else "public:npmjs"
        tokens = {"admin": tributary_chain(aws, port, connection, ["gateway", "team", "app"], os.environ)}
        if "reader" in TOKENS:
            tokens["reader"] = policy_reader_token(binary, aws, port, "bench", "app", os.environ)
        workloads = nuget_workloads() if NUGET else npm_workloads()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        measured, seen, instrumented = [], set(), False
        for kind in TOKENS:
            headers = {"Authorization": f"Bearer {tokens[kind]}", "Accept-Encoding": "gzip"}

            def get(path, extra):
                conn.request("GET", path, headers={**headers, **extra})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{label} ({kind}): GET {path} answered {response.status}")

            for _, path, extra in workloads:  # through the whole chain once, and cached
                get(path, extra)
                get(path, extra)
            if not instrumented:
                callgrind(proc.pid, "-i", "on")
                instrumented = True
            for _, path, extra in workloads:  # warm under instrumentation too
                get(path, extra)
            results = {}
            for name, path, extra in workloads:
                callgrind(proc.pid, "-z")
                for _ in range(REQUESTS):
                    get(path, extra)
                callgrind(proc.pid, "-d")
                total, seen, dump = dumped_total(out_dir, proc.pid, seen)
                results[name] = total / REQUESTS
                keep = os.environ.get("BENCH_CALLGRIND_DIR")
                if keep:
                    os.makedirs(keep, exist_ok=True)
                    shutil.copy(dump, os.path.join(keep, f"{label}-{kind}.{len(results)}"))
            measured.append((label if len(TOKENS) == 1 else f"{label} ({kind})", results))
        conn.close()
        return [name for name, _, _ in workloads], measured
    except Exception:
        print(open(os.path.join(out_dir, "server.log")).read()[-3000:], file=sys.stderr)
        raise
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    if not shutil.which("valgrind"):
        run("apt-get", "install", "-y", "--no-install-recommends", "valgrind")
    aws = aws_cli()
    work = tempfile.mkdtemp(prefix="tributary-instructions-")
    fixture = None
    try:
        fixture_port = free_port()
        if NUGET:
            nuget_bench.LATEST = nuget_bench.build_feed(os.path.join(work, "fixture"), fixture_port)
            served = nuget_bench.FEED
        else:
            npm_bench.LATEST = npm_bench.build_fixture(os.path.join(work, "fixture"), fixture_port)
            served = FIXTURE
        fixture = subprocess.Popen([sys.executable, "-c", served, os.path.join(work, "fixture"), str(fixture_port)])
        measured, workloads = [], []
        for label, binary in binaries():
            workloads, columns = measure(label, binary, aws, fixture_port, work)
            measured.extend((column, workloads, results) for column, results in columns)
        labels = [label for label, _, _ in measured]
        print(f"\n| workload ({REQUESTS} requests, instructions per request) | " + " | ".join(labels)
              + "".join(f" | {label} / {labels[0]}" for label in labels[1:]) + " |")
        print("|---|" + "---|" * (2 * len(labels) - 1))
        for name in workloads:
            counts = [results[name] for _, _, results in measured]
            print(f"| {name} | " + " | ".join(f"{c:,.0f}" for c in counts)
                  + "".join(f" | {c / counts[0]:.3f}x" for c in counts[1:]) + " |")
    finally:
        if fixture:
            fixture.send_signal(signal.SIGTERM)
            fixture.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
