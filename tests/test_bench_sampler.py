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
