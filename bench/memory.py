"""Resident memory of a process tree, and the slope of a series of samples."""
from __future__ import annotations

import psutil

MB = 1024 * 1024


def tree_rss_mb(pid: int) -> float:
    """RSS of a process plus the memory its children add, in MB.

    The server starts short-lived children (a `git` call through subprocess). Until it runs `exec`, such a
    child is the server's own memory (vfork shares it outright), so it is skipped while it still has the
    server's command line; after that it counts by its unique memory (USS), not RSS, for the same reason.
    """
    root = psutil.Process(pid)
    total = root.memory_info().rss
    root_cmdline = root.cmdline()
    for child in root.children(recursive=True):
        try:
            if child.cmdline() != root_cmdline:
                total += child.memory_full_info().uss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return total / MB


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0.0 for fewer than two points)."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def robust_slope(xs: list[float], ys: list[float]) -> float:
    """Theil–Sen slope (median of the pairwise slopes): a one-second spike does not tilt it."""
    import statistics

    pairs = [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(len(xs)) for j in range(i + 1, len(xs)) if xs[j] != xs[i]]
    return statistics.median(pairs) if pairs else 0.0
