"""What the `cargo xtask bench` scripts share: ports, commands, waiting for a server, the peak
RSS of a process tree, and a Tributary configured through the real `aws` CLI."""
import io, json, os, random, signal, socket, subprocess, sys, tarfile, time, urllib.request

# The admin keys every bench starts Tributary with.
ADMIN_KEY, ADMIN_SECRET = "TKIABENCH", "bench-secret"


# A static registry: serves a directory, `{name}/index.json` for a package's document
# (`python3 -c FIXTURE DIR PORT`).
FIXTURE = r'''
import http.server, os, sys
class H(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        p = super().translate_path(path.split("?")[0])
        return os.path.join(p, "index.json") if os.path.isdir(p) else p
    def log_message(self, *a): pass
os.chdir(sys.argv[1]); http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
'''


def npm_tarball(name, version, size):
    """An npm tarball of `name@version`: its package.json and `size` random bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        manifest = json.dumps({"name": name, "version": version}).encode()
        for path, data in (("package/package.json", manifest), ("package/data.bin", random.randbytes(size))):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def aws_cli():
    """The aws CLI `cargo xtask tools` installs; exits with what to do when it is missing."""
    aws = os.path.join(ROOT, "target", "tools", "venv", "bin", "aws")
    if not os.path.exists(aws):
        raise SystemExit("run `cargo xtask tools` first (it installs the aws CLI)")
    return aws


def tributary_binary():
    """BENCH_TRIBUTARY_BIN when set (a prebuilt binary), else this tree's release build, built now."""
    prebuilt = os.environ.get("BENCH_TRIBUTARY_BIN")
    if prebuilt:
        return prebuilt
    run("cargo", "build", "--release", "--package", "tributary", cwd=ROOT)
    return os.path.join(ROOT, "target", "release", "tributary")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


def wait_http(url, headers=None, timeout=60, proc=None):
    """Until `url` answers 2xx (with `headers`); fails when `proc`, the server, exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5).read()
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def descendants(pid):
    """`pid` and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_rss_mib(pid, field="VmHWM"):
    """`field` of /proc/PID/status (VmHWM: peak RSS; VmRSS: current) of a process and its
    descendants, added up (nginx's or gunicorn's master and workers)."""
    total = 0
    for p in descendants(pid):
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def start_tributary(binary, data_dir, port, upstream, log="warn"):
    """`binary serve` on `port` with the bench's admin keys, the external connection settings
    `upstream` (`{"TRIBUTARY_EXTERNAL_..._URL": url}`) and `log`, once it answers `/healthz`."""
    env = dict(os.environ, **upstream, TRIBUTARY_ADMIN_ACCESS_KEY_ID=ADMIN_KEY,
               TRIBUTARY_ADMIN_SECRET_ACCESS_KEY=ADMIN_SECRET, TRIBUTARY_LOG=log)
    proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}"], env=env,
                            stdout=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc)
    return proc


def tributary_chain(aws, port, connection, chain, env):
    """Domain `bench` on the Tributary at `port`: `chain[0]` associated with `connection`, each
    later repository with the one before as its upstream; returns an authorization token."""
    aws_env = dict(env, AWS_ACCESS_KEY_ID=ADMIN_KEY, AWS_SECRET_ACCESS_KEY=ADMIN_SECRET,
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
    ca = [aws, "codeartifact", "--endpoint-url", f"http://127.0.0.1:{port}"]
    steps = [["create-domain", "--domain", "bench"],
             ["create-repository", "--domain", "bench", "--repository", chain[0]],
             ["associate-external-connection", "--domain", "bench", "--repository", chain[0],
              "--external-connection", connection]]
    steps += [["create-repository", "--domain", "bench", "--repository", name, "--upstreams", f"repositoryName={upstream}"]
              for upstream, name in zip(chain, chain[1:])]
    for args in steps:
        subprocess.run(ca + args, env=aws_env, check=True, stdout=subprocess.DEVNULL)
    return subprocess.run(ca + ["get-authorization-token", "--domain", "bench", "--query", "authorizationToken",
                                "--output", "text"], env=aws_env, check=True, capture_output=True, text=True).stdout.strip()


def policy_reader_token(tributary_bin, aws, port, domain, repository, env):
    """A token of a principal that is no administrator, allowed to read `repository` (and pull
    through its upstreams) by the domain's and the repository's permissions policies: what
    every request of it is checked against."""
    endpoint = f"http://127.0.0.1:{port}"
    admin_env = dict(env, AWS_ACCESS_KEY_ID=ADMIN_KEY, AWS_SECRET_ACCESS_KEY=ADMIN_SECRET,
                     AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint, AWS_PAGER="")
    created = json.loads(subprocess.run([tributary_bin, "principal", "create", "bench-reader"], env=admin_env,
                                        check=True, capture_output=True, text=True).stdout)
    arn = created["principal"]["arn"]
    def statement(actions):
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": actions, "Resource": "*"}]})
    ca = [aws, "codeartifact", "--endpoint-url", endpoint]
    subprocess.run(ca + ["put-domain-permissions-policy", "--domain", domain, "--policy-document",
                         statement(["codeartifact:GetAuthorizationToken", "sts:GetServiceBearerToken"])],
                   env=admin_env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(ca + ["put-repository-permissions-policy", "--domain", domain, "--repository", repository,
                         "--policy-document",
                         statement(["codeartifact:ReadFromRepository", "codeartifact:ReadFromUpstream"])],
                   env=admin_env, check=True, stdout=subprocess.DEVNULL)
    reader_env = dict(admin_env, AWS_ACCESS_KEY_ID=created["principal"]["accessKeyId"],
                      AWS_SECRET_ACCESS_KEY=created["secretAccessKey"])
    return subprocess.run(ca + ["get-authorization-token", "--domain", domain, "--query", "authorizationToken",
                                "--output", "text"], env=reader_env, check=True, capture_output=True,
                          text=True).stdout.strip()


def stop_all(procs):
    """SIGTERM to each of `procs`, then wait up to 10 s each, killing what does not stop."""
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
