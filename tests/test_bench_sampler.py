"""The bench's process sampler: CPU seconds attributed to the kind of process that
spent them, step by step (bench.run's per-step CPU table rests on it)."""

from __future__ import annotations

import subprocess
import sys
import time

BURN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass\n"


def _burn_here(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_of_a_child_and_of_the_driver_lands_in_their_own_steps():
    from bench.run import ProcessSampler

    with ProcessSampler(interval=0.05) as sampler:
        start = sampler.samples[0][0]
        subprocess.run([sys.executable, "-c", BURN.format(s=1.0)], check=True)
        time.sleep(0.2)  # samples after the child's end, inside its step
        driver_start = time.monotonic()
        _burn_here(0.8)
        time.sleep(0.2)  # a sample after the burn (the burn holds the sampler's GIL)
        end = time.monotonic()
    steps = [
        {"job": "child", "seconds": driver_start - start},
        {"job": "driver", "seconds": end - driver_start},
    ]
    cpu = sampler.cpu_by_step(steps)
    # The child was sampled while it ran, and an ended process keeps what it had used:
    # the step's last samples, taken after its end, still count it.
    assert cpu["child"]["python_workers"] >= 0.8
    assert cpu["child"]["driver"] < 0.3
    assert cpu["driver"]["driver"] >= 0.6
    assert cpu["driver"]["python_workers"] < 0.1
    assert cpu["child"]["jvm"] == cpu["driver"]["jvm"] == 0.0
    assert 0.2 <= cpu["driver"]["busy_cores"] <= 1.2  # one thread: at most a core
    assert all(peak > 0 for peak in sampler.peaks_by_step(steps).values())


BURN_JAVA = """
import java.lang.management.ManagementFactory;

public class Burn {
    public static void main(String[] args) throws Exception {
        Thread worker = new Thread(() -> {
            var bean = ManagementFactory.getThreadMXBean();
            long half = bean.getCurrentThreadCpuTime() + 500_000_000L;
            long spin = 0;
            while (bean.getCurrentThreadCpuTime() < half) spin++;
            // Renamed halfway, as Spark renames its task threads between tasks.
            Thread.currentThread().setName("renamed worker");
            long end = bean.getCurrentThreadCpuTime() + 500_000_000L;
            while (bean.getCurrentThreadCpuTime() < end) spin++;
            System.out.println(spin > 0);
            // Alive a while longer: a thread's CPU is read while it lives, so the
            // sampler gets its whole second even when the machine is busy.
            try { Thread.sleep(600); } catch (InterruptedException e) { }
        }, "Executor task launch worker for task 0.0");
        worker.start();
        worker.join();
    }
}
"""


def test_a_jvm_thread_lands_in_its_part(tmp_path):
    """A second of CPU on a thread named as Spark names its task threads is the JVM's
    `tasks`, also when the thread is renamed halfway; the JVM's start (compiling the
    source here) is not tasks."""
    from bench.run import ProcessSampler

    source = tmp_path / "Burn.java"
    source.write_text(BURN_JAVA)
    with ProcessSampler(interval=0.05) as sampler:
        start = sampler.samples[0][0]
        subprocess.run(["java", str(source)], check=True, capture_output=True)
        time.sleep(0.2)
        end = time.monotonic()
    steps = [{"job": "java", "seconds": end - start}]
    total = sampler.cpu_by_step(steps)["java"]["jvm"]
    parts = sampler.jvm_cpu_by_step(steps)["java"]
    assert 0.9 <= parts["tasks"] <= 1.3
    assert parts["python_calls"] == 0.0
    assert parts["other"] + parts["jit"] + parts["gc"] > 0.1  # the JVM's start and javac
    assert abs(sum(parts.values()) - total) <= 0.2
