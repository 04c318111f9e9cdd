"""A Spark standalone cluster on 127.0.0.1 for the tests: one master and N workers, each
its own JVM started with pyspark's spark-class, as an operator starts them.

Workers can be started with folders hidden from them (`hidden`): each worker runs in a
mount namespace of its own where an empty tmpfs is mounted over those folders, so the
executors it launches cannot read what the driver has there (the KenLM models, the
package's source). Needs `unshare` (as root, or with user namespaces allowed).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_hide_folders() -> bool:
    """Whether unshare can give a process a mount namespace of its own here."""
    if shutil.which("unshare") is None:
        return False
    cmd = ["unshare", "-m", "true"] if os.geteuid() == 0 else ["unshare", "-rm", "true"]
    return subprocess.run(cmd, capture_output=True).returncode == 0


def _wait_for_log(log: Path, text: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{log.name}: exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    raise TimeoutError(f"{log.name}: no '{text}' after {seconds} s:\n{log.read_text()[-3000:]}")


@dataclass
class Cluster:
    url: str
    workdir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)

    def kill_worker(self, index: int = 0) -> None:
        """kill -9 a worker and every process it started (its executor, Python workers)."""
        proc = self.workers[index]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _start(cmd: list[str], log: Path, env: dict) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


@contextlib.contextmanager
def standalone(workdir: Path, workers: int = 2, cores: int = 1, memory: str = "3g",
               hidden: tuple[Path, ...] = ()) -> Iterator[Cluster]:  # fmt: skip
    """A running standalone cluster; everything it started is killed on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_NO_DAEMONIZE": "1"}
    # The master's and workers' JVMs take the options spark-submit's driver takes here (the
    # test session's class-data archive: conftest).
    env["SPARK_DAEMON_JAVA_OPTS"] = os.environ.get("SPARK_SUBMIT_OPTS", "")
    env.pop("PYSPARK_GATEWAY_PORT", None)
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    port = free_port()
    cluster = Cluster(f"spark://127.0.0.1:{port}", workdir)
    try:
        master_log = workdir / "master.log"
        master = _start(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(port), "--webui-port", str(free_port())],
            master_log, env,
        )  # fmt: skip
        cluster.processes.append(master)
        _wait_for_log(master_log, "I have been elected leader", master, 90)
        for i in range(workers):
            work = workdir / f"worker{i}"
            work.mkdir(exist_ok=True)
            worker = [
                spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                "--cores", str(cores), "--memory", memory, "--work-dir", str(work),
                "--webui-port", str(free_port()), cluster.url,
            ]  # fmt: skip
            if hidden:
                mounts = " && ".join(f"mount -t tmpfs tmpfs {shlex.quote(str(h))}" for h in hidden)
                unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
                worker = [*unshare, "sh", "-c", f"{mounts} && exec {shlex.join(worker)}"]
            proc = _start(worker, workdir / f"worker{i}.log", env)
            cluster.processes.append(proc)
            cluster.workers.append(proc)
        for i, proc in enumerate(cluster.workers):  # started together, awaited in turn
            _wait_for_log(
                workdir / f"worker{i}.log", "Successfully registered with master", proc, 90
            )
        yield cluster
    finally:
        for proc in reversed(cluster.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def submit(cluster: Cluster, app: list[str], *, py_files: Path, jars: list[str] = (),
           conf: dict[str, str] | None = None, cwd: Path, timeout: float = 900,
           env: dict | None = None, on_stderr=None) -> subprocess.CompletedProcess:  # fmt: skip
    """spark-submit an application to the cluster, as a user would; stdout and stderr kept.
    `on_stderr(line)` sees each stderr line as it comes (to act in the middle of a run)."""
    cmd = [str(Path(sys.executable).with_name("spark-submit")), "--master", cluster.url,
           "--py-files", str(py_files)]  # fmt: skip
    if jars:
        cmd += ["--jars", ",".join(jars)]
    settings = {"spark.pyspark.python": sys.executable, **(conf or {})}
    if os.environ.get("SPARK_SUBMIT_OPTS"):  # the executors' JVMs too
        settings.setdefault("spark.executor.extraJavaOptions", os.environ["SPARK_SUBMIT_OPTS"])
    for key, value in settings.items():
        cmd += ["--conf", f"{key}={value}"]
    run_env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable,
               "PYSPARK_DRIVER_PYTHON": sys.executable, **(env or {})}  # fmt: skip
    run_env.pop("PYSPARK_GATEWAY_PORT", None)
    proc = subprocess.Popen(
        [*cmd, *app], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
        env=run_env,
    )  # fmt: skip
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    err = []
    for line in proc.stderr:
        err.append(line)
        if on_stderr is not None:
            on_stderr(line)
    proc.wait(timeout=timeout)
    reader.join(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(out), "".join(err))


@dataclass
class S3Server:
    """S3Proxy on 127.0.0.1 with one bucket; `options` are delta-rs's storage options."""

    endpoint: str
    bucket: str
    access_key: str = "ziya"
    secret_key: str = "ziya-secret-key"

    @property
    def options(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
            # S3Proxy checks If-None-Match, so commits need no lock service.
            "aws_conditional_put": "etag",
        }

    def filesystem(self):
        import pyarrow.fs as pafs

        return pafs.S3FileSystem(
            access_key=self.access_key, secret_key=self.secret_key, region="us-east-1",
            endpoint_override=self.endpoint, scheme="http", allow_bucket_creation=True,
        )  # fmt: skip

    def upload(self, local: Path, key: str) -> str:
        """Copy a local folder (or file) into the bucket; its s3:// URI."""
        import pyarrow.fs as pafs

        fs = self.filesystem()
        sources = sorted(p for p in local.rglob("*") if p.is_file()) if local.is_dir() else [local]
        for path in sources:
            rel = path.relative_to(local).as_posix() if local.is_dir() else path.name
            pafs.copy_files(str(path), f"{self.bucket}/{key}/{rel}",
                            source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)  # fmt: skip
        return f"s3://{self.bucket}/{key}"


S3PROXY_JAR = "s3proxy-*-jar-with-dependencies.jar"


def s3proxy_jar() -> Path | None:
    found = sorted((Path(sys.prefix) / "jars" / "s3proxy").glob(S3PROXY_JAR))
    return found[-1] if found else None


@contextlib.contextmanager
def s3_server(workdir: Path, bucket: str = "ziya") -> Iterator[S3Server]:
    """S3Proxy (its filesystem store under `workdir`) on a free loopback port."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = S3Server(f"http://127.0.0.1:{port}", bucket)
    conf = workdir / "s3proxy.conf"
    conf.write_text(
        f"s3proxy.endpoint={server.endpoint}\n"
        "s3proxy.authorization=aws-v2-or-v4\n"
        f"s3proxy.identity={server.access_key}\ns3proxy.credential={server.secret_key}\n"
        "jclouds.provider=filesystem-nio2\n"
        f"jclouds.filesystem.basedir={workdir / 'store'}\n"
    )
    (workdir / "store").mkdir(exist_ok=True)
    log = workdir / "s3proxy.log"
    proc = _start(
        ["java", "-jar", str(s3proxy_jar()), "--properties", str(conf)], log, dict(os.environ)
    )
    try:
        _wait_for_log(log, "Started", proc, 60)
        server.filesystem().create_dir(bucket)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
