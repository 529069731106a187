#!/usr/bin/env python3
"""`cargo xtask bench fleet`: a fleet of 1, 2 and 3 replicas on one PostgreSQL database and one
S3 bucket, behind nginx; and the database statements a request sends.

The fixture registry is `bench npm`'s (`bench-pkg`, 1,000 versions, the newest with a 320 KB
tarball) plus `cold-pkg-K` (the same 1,000 versions under other names), served by a static
server that counts the requests it gets. A fresh PostgreSQL database (dropped at the end) and
s3s-fs (one bucket) back three replicas, each with its own data directory and port and the same
environment; `tributary migrate` runs once before them. Domain `bench`, chain app -> team ->
gateway (`public:npmjs` pointed at the fixture), made through replica 1.

Database statements (`tributary_database_statements_total` of a replica's `/metrics`, minus the
scrape's own, the rise between two back-to-back scrapes), one replica asked directly:
- warm tarball and warm full packument: 1,000 sequential requests (keep-alive), divided;
- idle: the same counter over 6 s without requests (the background work), then the first warm
  request after that pause (it refills the caches that live 5 s: domain, graph, access rules);
- a cold packument: `cold-pkg-K` asked once of replica 1, for each K (median), the replica's
  5 s caches filled just before;
- the fleet's shared copy: the same packages asked once of replica 2, then of replica 3, which
  read the document replica 1 stored instead of asking the registry (median); and how many
  requests the fixture got for each package (one per package for the whole fleet).

Throughput: wrk (2 threads, 64 connections, 15 s, gzip accepted) on the warm tarball and the
warm full packument: against nginx serving the very bytes as static files (the ceiling, as in
`bench npm`), against replica 1 directly, and through nginx as a round-robin load balancer
(keep-alive to the upstreams) in front of 1, 2 and 3 replicas. For each run: the share of the
requests each replica answered, the statements per request over the run (all replicas', the idle ones' too), and
where the CPU went (the two cores are shared by wrk, nginx, the replicas, s3s-fs, PostgreSQL
and whatever else runs on the machine).

Prints Markdown tables; numbers go in docs/benchmarks.md, never in tests.

Environment: BENCH_DURATION (15s), BENCH_CONNECTIONS (64), BENCH_COLD (7, the cold packages),
BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres, a role that may create
databases), BENCH_TRIBUTARY_BIN (a prebuilt binary to measure instead of building this tree).
"""
import http.client, json, os, resource, shutil, signal, socket, statistics, subprocess, sys, tempfile, time
import urllib.parse, urllib.request

from benchlib import (ADMIN_KEY, ADMIN_SECRET, ROOT, aws_cli, descendants, free_port, run, stop_all,
                      tributary_binary, tributary_chain, wait_http)
from npm_bench import CONNECTIONS, DURATION, NAME, VERSIONS, build_fixture, start_nginx, wrk

REPLICAS = 3
COLD = int(os.environ.get("BENCH_COLD", "7"))
SEQUENTIAL = 1000
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
S3S_FS = os.path.join(ROOT, "target", "tools", "bin", "s3s-fs")
BUCKET, S3_KEY, S3_SECRET = "fleet", "fleet-bench", "fleet-bench-secret"
GZIP = {"Accept-Encoding": "gzip"}

# The fixture registry of benchlib.FIXTURE, counting the requests it answers by path;
# `GET /-/bench-counts` answers them as JSON.
COUNTING_FIXTURE = r'''
import collections, http.server, json, os, sys, threading
counts, lock = collections.Counter(), threading.Lock()
class H(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        p = super().translate_path(path.split("?")[0])
        return os.path.join(p, "index.json") if os.path.isdir(p) else p
    def do_GET(self):
        if self.path == "/-/bench-counts":
            with lock:
                body = json.dumps(counts).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with lock:
            counts[self.path.split("?")[0]] += 1
        super().do_GET()
    def log_message(self, *a): pass
os.chdir(sys.argv[1]); http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
'''


def psql(sql):
    run("psql", POSTGRES, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql, stdout=subprocess.DEVNULL)


def database_url(name):
    parts = urllib.parse.urlsplit(POSTGRES)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def add_cold_packages(root, port):
    """`cold-pkg-K` for each K: `bench-pkg`'s document under another name (its tarballs are never
    asked for)."""
    with open(os.path.join(root, NAME, "index.json")) as f:
        text = f.read()
    names = [f"cold-pkg-{k}" for k in range(COLD)]
    for name in names:
        os.makedirs(os.path.join(root, name), exist_ok=True)
        with open(os.path.join(root, name, "index.json"), "w") as f:
            f.write(text.replace(f'"{NAME}', f'"{name}').replace(f"/{NAME}", f"/{name}"))
    return names


def wait_port(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the process for port {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port}")


def start_balancer(work, upstreams):
    """nginx as a round-robin load balancer: for each list of replica ports in `upstreams`, a
    port of its own proxying to them with keep-alive connections; returns (process, ports)."""
    ports = [free_port() for _ in upstreams]
    blocks = []
    for i, (port, replicas) in enumerate(zip(ports, upstreams)):
        servers = " ".join(f"server 127.0.0.1:{p};" for p in replicas)
        blocks.append(f"""  upstream fleet{i} {{ {servers} keepalive 64; }}
  server {{ listen 127.0.0.1:{port};
    location / {{ proxy_pass http://fleet{i}; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $http_host; }} }}""")
    os.makedirs(work, exist_ok=True)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root; daemon off; worker_processes 2; pid {work}/nginx.pid; error_log {work}/nginx.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000;
  proxy_buffer_size 64k; proxy_buffers 8 64k; proxy_busy_buffers_size 128k; proxy_max_temp_file_size 0;
  client_body_temp_path {work}/nginx-tmp; proxy_temp_path {work}/nginx-tmp; fastcgi_temp_path {work}/nginx-tmp;
  uwsgi_temp_path {work}/nginx-tmp; scgi_temp_path {work}/nginx-tmp;
{chr(10).join(blocks)} }}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen([nginx, "-c", conf, "-p", work]), ports


def metrics(port):
    """(statements sent to the database, npm requests answered) of the replica at `port`."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    statements = requests = 0.0
    for line in text.splitlines():
        if line.startswith("tributary_database_statements_total "):
            statements = float(line.split()[1])
        elif line.startswith("tributary_requests_total{") and 'plane="npm"' in line:
            requests += float(line.rsplit(" ", 1)[1])
    return statements, requests


def scrape_cost(port):
    """The statements a scrape of `port` sends itself: the rise between two back-to-back scrapes."""
    first, _ = metrics(port)
    second, _ = metrics(port)
    return second - first


class Replica:
    """A sequential keep-alive client of one replica, with the chain's token."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path):
        self.conn.request("GET", f"/npm/bench/app/{path}", headers={"Authorization": f"Bearer {self.token}", **GZIP})
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} of replica :{self.port}: {response.status} {body[:300]!r}")
        return body

    def statements(self, action):
        """The statements this replica sends while `action()` runs (the scrapes' own taken off),
        and how long it ran."""
        cost = scrape_cost(self.port)
        before, _ = metrics(self.port)
        start = time.monotonic()
        action()
        elapsed = time.monotonic() - start
        after, _ = metrics(self.port)
        return after - before - cost, elapsed


def cpu_ticks(groups):
    """CPU ticks (user + system) of each process of each group (`name` -> function giving process
    ids; their descendants included), by process id; and the whole machine's (busy, total)."""
    out = {}
    for name, pids in groups.items():
        ticks = {}
        for pid in {d for p in pids() for d in descendants(p)}:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                ticks[pid] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        out[name] = ticks
    with open("/proc/stat") as f:
        cpu = [int(v) for v in f.readline().split()[1:]]
    out["machine busy"], out["machine total"] = sum(cpu) - cpu[3] - cpu[4], sum(cpu)
    return out


def children_ticks():
    """CPU ticks of the waited-for child processes (wrk's, read just before and after it runs)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (children.ru_utime + children.ru_stime) * os.sysconf("SC_CLK_TCK")


def cpu_spent(before, after):
    """What each group of `cpu_ticks` spent between two readings: a process that ended in between
    is left out, one that started counts whole."""
    return {name: (sum(t - before[name].get(pid, 0) for pid, t in value.items()) if isinstance(value, dict)
                   else value - before[name])
            for name, value in after.items()}


def backends(database):
    """The PostgreSQL backends serving `database` (the replicas' connections): their CPU is measured."""
    out = subprocess.run(["psql", POSTGRES, "-Atc",
                          f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'"],
                         check=True, capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            run("apt-get", "install", "-y", "--no-install-recommends", tool)
    if not os.path.exists(S3S_FS):
        raise SystemExit("run `cargo xtask tools` first (it installs s3s-fs)")
    aws = aws_cli()
    tributary_bin = tributary_binary()
    work = tempfile.mkdtemp(prefix="tributary-fleet-")
    database = f"tributary_fleet_{os.getpid()}"
    procs, logs, database_made = [], [], False
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        fixture_port, s3_port = free_port(), free_port()
        fixture_root = os.path.join(work, "fixture")
        latest = build_fixture(fixture_root, fixture_port)
        cold = add_cold_packages(fixture_root, fixture_port)
        fixture = subprocess.Popen([sys.executable, "-c", COUNTING_FIXTURE, fixture_root, str(fixture_port)])
        procs.append(fixture)
        os.makedirs(os.path.join(work, "s3", BUCKET))
        s3 = subprocess.Popen([S3S_FS, "--host", "127.0.0.1", "--port", str(s3_port), "--access-key", S3_KEY,
                               "--secret-key", S3_SECRET, os.path.join(work, "s3")],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "s3s-fs.log"), "w"))
        procs.append(s3)
        wait_port(s3_port, s3)
        psql(f"CREATE DATABASE {database}")
        database_made = True
        env = dict(os.environ, TRIBUTARY_DATABASE_URL=database_url(database), TRIBUTARY_BLOB_KIND="s3",
                   TRIBUTARY_BLOB_S3_BUCKET=BUCKET, TRIBUTARY_BLOB_S3_ENDPOINT=f"http://127.0.0.1:{s3_port}",
                   TRIBUTARY_BLOB_S3_REGION="us-east-1", TRIBUTARY_BLOB_S3_PATH_STYLE="true",
                   TRIBUTARY_BLOB_S3_ACCESS_KEY_ID=S3_KEY, TRIBUTARY_BLOB_S3_SECRET_ACCESS_KEY=S3_SECRET,
                   TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL=f"http://127.0.0.1:{fixture_port}",
                   TRIBUTARY_ADMIN_ACCESS_KEY_ID=ADMIN_KEY, TRIBUTARY_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET,
                   TRIBUTARY_NO_DEFAULTS="true", TRIBUTARY_LOG="warn")
        run(tributary_bin, "migrate", "--data-dir", os.path.join(work, "migrate"), env=env,
            stdout=subprocess.DEVNULL)
        ports = []
        for i in range(REPLICAS):
            port = free_port()
            log = os.path.join(work, f"replica{i + 1}.log")
            logs.append(log)
            proc = subprocess.Popen([tributary_bin, "serve", "--data-dir", os.path.join(work, f"replica{i + 1}"),
                                     "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=open(log, "w"))
            procs.append(proc)
            wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc)
            ports.append(port)
        replicas = procs[-REPLICAS:]
        token = tributary_chain(aws, ports[0], "public:npmjs", ["gateway", "team", "app"], os.environ)
        tgz = f"{NAME}/-/{NAME}-{latest}.tgz"
        clients = [Replica(port, token) for port in ports]
        # bench-pkg's first requests: replica 1 fetches it from the registry, the others from the
        # fleet's shared copies; then each replica holds it warm.
        for client in clients:
            for _ in range(3):
                client.get(NAME)
                client.get(tgz)

        # Database statements, replicas asked directly.
        r1 = clients[0]
        warm = {}
        for label, path in (("warm tarball (320 KB)", tgz), (f"warm packument, {VERSIONS} versions, full", NAME)):
            sent, elapsed = r1.statements(lambda: [r1.get(path) for _ in range(SEQUENTIAL)])
            warm[label] = (sent, elapsed)
        idle_seconds = 6
        idle, _ = r1.statements(lambda: time.sleep(idle_seconds))
        # The domain's and the graph's caches live 5 s: the first request after the pause fills them.
        refill, _ = r1.statements(lambda: r1.get(NAME))
        per_replica = []
        for client in clients:
            client.get(NAME)  # the same for this replica: the cold requests pay for their package alone
            per_replica.append([client.statements(lambda: client.get(name))[0] for name in cold])
        counts = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{fixture_port}/-/bench-counts").read())

        # Throughput.
        static_port = free_port()
        auth = {"Authorization": f"Bearer {token}"}
        identity = lambda path: urllib.request.urlopen(urllib.request.Request(  # noqa: E731
            f"http://127.0.0.1:{ports[0]}/npm/bench/app/{path}", headers=auth)).read()
        static = start_nginx(os.path.join(work, "static"), static_port,
                             {f"/{tgz}": identity(tgz), "/full.json": identity(NAME)})
        procs.append(static)
        balancer, lb_ports = start_balancer(os.path.join(work, "balancer"), [ports[:n] for n in range(1, REPLICAS + 1)])
        procs.append(balancer)
        wait_http(f"http://127.0.0.1:{static_port}/full.json", proc=static)
        for port in lb_ports:
            wait_http(f"http://127.0.0.1:{port}/npm/bench/app/{NAME}", auth, proc=balancer)
        setups = [("nginx, static files (the ceiling)", static_port, "", 0),
                  ("replica 1 directly, no load balancer", ports[0], "/npm/bench/app", 1)]
        setups += [(f"{n} replica{'s' if n > 1 else ''} behind nginx", lb_ports[n - 1], "/npm/bench/app", n)
                   for n in range(1, REPLICAS + 1)]
        workloads = [("warm tarball (320 KB)", tgz, tgz),
                     (f"warm packument, {VERSIONS} versions, full", NAME, "full.json")]
        groups = {"replicas": lambda: [p.pid for p in replicas], "nginx": lambda: [static.pid, balancer.pid],
                  "s3s-fs": lambda: [s3.pid], "fixture": lambda: [fixture.pid],
                  "postgres": lambda: backends(database)}
        results = []
        for label, path, static_path in workloads:
            for setup, port, prefix, n in setups:
                target = static_path if n == 0 else path
                url = f"http://127.0.0.1:{port}{prefix}/{target}"
                for _ in range(3 * max(n, 1)):  # each replica's keep-alive connections and caches, warm
                    wait_http(url, auth if n else None)
                costs = [scrape_cost(p) for p in ports]
                before = [metrics(p) for p in ports]
                cpu_before = cpu_ticks(groups)
                wrk_before = children_ticks()
                result = wrk(url, [f"Authorization: Bearer {token}"] if n else [])
                wrk_ticks = children_ticks() - wrk_before
                cpu_after = cpu_ticks(groups)
                after = [metrics(p) for p in ports]
                served = [a[1] - b[1] for a, b in zip(after, before)]
                sent = sum(a[0] - b[0] - c for a, b, c in zip(after, before, costs))
                busy = dict(cpu_spent(cpu_before, cpu_after), wrk=wrk_ticks)
                results.append((label, setup, n, result, served, sent, busy))

        print(f"\n| workload (wrk, {CONNECTIONS} connections, {DURATION}, gzip) | setup | req/s | p50 | p99 "
              "| / ceiling | requests per replica | statements per request | cores busy (of 2): replicas / nginx / "
              "s3s-fs / PostgreSQL / wrk / other / idle |")
        print("|---|---|---:|---:|---:|---:|---|---:|---|")
        ceiling = {}
        for label, setup, n, r, served, sent, busy in results:
            if n == 0:
                ceiling[label] = r["rps"]
            total = busy["machine total"] or 1
            ours = sum(busy[k] for k in ("replicas", "nginx", "s3s-fs", "fixture", "postgres", "wrk"))
            cores = lambda ticks: f"{2 * ticks / total:.2f}"  # noqa: E731
            cpu = " / ".join(cores(busy[k]) for k in ("replicas", "nginx", "s3s-fs", "postgres", "wrk"))
            cpu += f" / {cores(max(busy['machine busy'] - ours, 0))} / {cores(total - busy['machine busy'])}"
            bad = f", {r['non2xx']} non-2xx" if r["non2xx"] else ""
            answered = sum(served)
            spread = " / ".join(f"{100 * s / answered:.0f}%" for s in served[:n]) if n and answered else "-"
            per_request = f"{sent / answered:.4f}" if n and answered else "-"
            print(f"| {label} | {setup} | {r['rps']:,.0f}{bad} | {r['p50']:.2f} ms | {r['p99']:.2f} ms "
                  f"| {r['rps'] / ceiling[label]:.2f}x | {spread} | {per_request} | {cpu} |")

        print("\n| database statements (replicas asked directly, the scrapes' own taken off) | statements |")
        print("|---|---|")
        for label, (sent, elapsed) in warm.items():
            print(f"| {label}, replica 1, {SEQUENTIAL} sequential requests | {sent / SEQUENTIAL:.2f} per request "
                  f"({sent:.0f} in {elapsed:.1f} s) |")
        print(f"| idle, replica 1 (background work) | {idle / idle_seconds:.2f} per second ({idle:.0f} in "
              f"{idle_seconds} s) |")
        print(f"| warm packument, replica 1, the first request after {idle_seconds} s without any "
              f"(the 5 s caches: domain, graph, access rules, package groups) | {refill:.0f} |")
        describe = lambda values: (f"median {statistics.median(values):.0f} (min {min(values):.0f}, "  # noqa: E731
                                   f"max {max(values):.0f}; {', '.join(f'{v:.0f}' for v in values)})")
        print(f"| cold packument ({VERSIONS} versions), replica 1, {COLD} packages nobody fetched | "
              f"{describe(per_replica[0])} |")
        for i, values in enumerate(per_replica[1:], start=2):
            print(f"| the same packages on replica {i}, after replica{' 1' if i == 2 else 's 1 and 2'} "
                  f"| {describe(values)} |")
        asked = [counts.get(f"/{name}", 0) for name in cold]
        print(f"| registry requests per cold package, {REPLICAS} replicas having asked | "
              f"{', '.join(str(a) for a in asked)} |")
        print(f"| registry requests for {NAME}'s document and its tarball, {REPLICAS} replicas having asked "
              f"| {counts.get('/' + NAME, 0)} and {counts.get('/' + tgz, 0)} |")
        for log in logs:
            lines = [line for line in open(log) if line.strip()]
            if lines:
                print(f"\n{os.path.basename(log)}: {len(lines)} lines logged at warn or above; the last:",
                      *lines[-5:], sep="\n", file=sys.stderr)
    except BaseException:
        for log in logs:
            lines = open(log).readlines()
            print(f"\n{os.path.basename(log)}, the last lines:", *lines[-20:], sep="\n", file=sys.stderr)
        raise
    finally:
        stop_all(procs)
        if database_made:
            psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
