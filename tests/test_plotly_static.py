"""The still picture's arithmetic (components/plotly_static.js), run in Node: ticks, tick labels, the projection and
the date-line cut, against values worked out here by hand."""
from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess

import pytest

from core import config

SOURCE = config.ROOT / "components" / "plotly_static.js"
NODE = shutil.which("node")


def _run(expression: str):
    """Evaluate `expression` after the painter's functions are defined; the result comes back as JSON."""
    script = f"{SOURCE.read_text()}\nprocess.stdout.write(JSON.stringify({expression}));"
    out = subprocess.run([NODE, "-e", script], check=True, capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout)


pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def test_ticks_are_round_steps_and_a_zero_width_range_gets_one_tick():
    assert _run("niceTicks(-10.5, 10.5, 5)") == {"ticks": [-10, -5, 0, 5, 10], "step": 5}
    ticks = _run("niceTicks(0.31, 0.86, 6)")
    assert ticks["step"] == pytest.approx(0.1) and ticks["ticks"][0] == pytest.approx(0.4)
    assert len(ticks["ticks"]) == 5
    # One country on the map: zmin == zmax. Before the guard this looped for ever (a step of zero).
    assert _run("niceTicks(7, 7, 4)") == {"ticks": [7], "step": 1}
    assert _run("niceTicks(NaN, NaN, 4)") == {"ticks": [], "step": 1}


def test_tick_labels_follow_the_figures_formats_with_a_true_minus_sign():
    assert _run("[formatTick(0.25, '.0%', 0.05), formatTick(-0.05, '+.0%', 0.05), formatTick(0.05, '+.0%', 0.05)]") \
        == ["25%", "\u22125%", "+5%"]
    assert _run("[formatTick(1200, '', 200), formatTick(-5, '', 5), formatTick(0.25, '', 0.05)]") \
        == ["1,200", "\u22125", "0.25"]


def test_natural_earth_matches_its_polynomial_at_hand_worked_points():
    # x = λ · 0.8707 on the equator; y at 85° from the published coefficients, worked out here.
    x, y = _run("naturalEarth(180, 0)")
    assert x == pytest.approx(math.pi * 0.8707) and y == 0
    phi = math.radians(85)
    p2, p4 = phi**2, phi**4
    want = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    assert _run("naturalEarth(0, 85)")[1] == pytest.approx(want)


def test_a_ring_across_the_date_line_is_cut_into_one_piece_per_side():
    ring = [[170, 60], [180, 65], [-180, 65], [-170, 60], [-175, 55], [180, 55], [175, 50]]
    pieces = _run(f"acrossTheDateLine({json.dumps(ring)})")
    # The ring starts and ends east of the line: its first and last runs are one piece.
    assert pieces == [[[180, 55], [175, 50], [170, 60], [180, 65]], [[-180, 65], [-170, 60], [-175, 55]]]
    assert all(abs(a[0] - b[0]) <= 180 for piece in pieces for a, b in itertools.pairwise(piece))
    assert _run("acrossTheDateLine([[0, 0], [10, 0], [10, 10]])") == [[[0, 0], [10, 0], [10, 10]]]


def test_labels_come_out_as_plain_lines_with_entities_decoded_once():
    assert _run("plainLines('A &lt;b&gt; &amp;amp;<br>rank 1\u20132<br/><i>x</i>')") == ["A <b> &amp;", "rank 1\u20132", "x"]
