"""Progress and streamed output: plain lines off a terminal, Nix's and pyinfra's lines with -v."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from elenta.progress import Progress, run_streaming, verbosity

SCRIPT = (
    "import sys\nprint('out')\n"
    "for i in range(3):\n    print(f'step {i}', file=sys.stderr, flush=True)\n"
    "sys.exit(3)\n"
)


def test_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress("[toto.canon] copying the closure")
        progress("built 2 system(s) in 1.0s")
    assert stream.getvalue() == "[toto.canon] copying the closure\nbuilt 2 system(s) in 1.0s\n"
    assert "toto.canon" in progress.rows


def test_streaming_collects_like_subprocess_run_and_echoes_only_with_v(monkeypatch, capfd) -> None:
    monkeypatch.delenv("ELENTA_VERBOSE", raising=False)
    quiet = run_streaming([sys.executable, "-c", SCRIPT], label="nix build")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (3, "out\n", "step 0\nstep 1\nstep 2\n")
    assert capfd.readouterr().err == ""
    monkeypatch.setenv("ELENTA_VERBOSE", "1")
    assert verbosity() == 1
    loud = run_streaming([sys.executable, "-c", SCRIPT], label="nix build")
    assert loud.stderr == quiet.stderr
    assert capfd.readouterr().err == "[nix build] step 0\n[nix build] step 1\n[nix build] step 2\n"


def test_a_timeout_kills_the_command() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        run_streaming([sys.executable, "-c", "import time; time.sleep(30)"], label="slow", timeout=0.5)


def test_live_table_on_a_terminal_keeps_the_lines_and_tracks_each_host() -> None:
    stream = io.StringIO()
    with Progress(stream, live=True) as progress:
        progress("[toto.canon] copying the closure")
        progress("[nancy.canon] activating")
        progress("[toto.canon] unchanged: already there")
        assert list(progress.rows) == ["toto.canon", "nancy.canon"]
        assert progress.rows["toto.canon"][0] == "unchanged: already there"
    out = stream.getvalue()
    assert "[nancy.canon] activating" in out and "[toto.canon] unchanged: already there" in out


def test_merged_output_streams_pyinfra_style_stdout_with_v(monkeypatch, capfd) -> None:
    monkeypatch.setenv("ELENTA_VERBOSE", "1")
    proc = run_streaming([sys.executable, "-c", SCRIPT], label="pyinfra dns", merge_output=True)
    assert proc.returncode == 3 and proc.stderr == ""
    assert sorted(proc.stdout.splitlines()) == ["out", "step 0", "step 1", "step 2"]
    assert "[pyinfra dns] out\n" in capfd.readouterr().err
