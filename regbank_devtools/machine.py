"""What machine a benchmark ran on, for the figures it writes into docs/."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """CPUs, processor model, memory and OS, e.g. "2 vCPU (AMD EPYC ...), 24 GiB, Linux-6.x"."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {memory_kib / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} vCPU ({cpu}){memory}, {platform.platform(terse=True)}"
