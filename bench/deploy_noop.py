"""No-op deploy at 1, 10 and 30 lab hosts against the same fact reads done by `ssh` loops.

    python bench/deploy_noop.py [--sizes 1,10,30] [--repeat 3]

For each size a lab of N machines (loopback 127.0.10.x, roles of the example flake) is brought up
and deployed once; then, with every host already in compliance, it times (median of --repeat):
  - elenta:        `run_deploy(lab, "test")` in process: evaluate/build check, then the batched fact
                   read on every host at once (one connection and one command per host);
  - elenta CLI:    `elenta deploy --no-dns` as a user runs it (Python start-up and imports included;
                   elenta is byte-compiled first, as `pip install` leaves it, so a shell with
                   PYTHONDONTWRITEBYTECODE set does not time the compiling of every changed module);
  - seq loop:      `for h in hosts; do ssh h '<the same fact command>'; done` (what `just` recipes did);
  - par loop:      the same with `&` and `wait`.
and prints the ratios loop / elenta, then the client CPU time of each (this process and its
children: less sensitive than wall time to other load on the machine; the hosts' sshd is in
neither). Needs root, sshd and nix-bin; prints, never asserts.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from elenta.facts.nixos import nixos_system_command  # noqa: E402
from elenta.inventory import inventory_groups  # noqa: E402
from elenta.lab import lab_down, lab_unavailable, lab_up  # noqa: E402
from elenta.model.lab import load_lab  # noqa: E402
from elenta.pipeline.run import run_deploy  # noqa: E402
from elenta.pipeline.ssh import SshTarget  # noqa: E402

ROLES = ["dns", "nfs", "hypervisor", "firewall", "web", "cache"]


def write_lab(folder: Path, size: int) -> Path:
    """A lab of `size` NixOS machines on 127.0.10.0/24 using the example lab's flake."""
    folder.mkdir(parents=True)
    shutil.copy(REPO / "examples" / "lab" / "flake.nix", folder / "flake.nix")
    shutil.copy(REPO / "examples" / "lab" / "elenta.toml", folder / "elenta.toml")
    shutil.copytree(REPO / "examples" / "lab" / "nix", folder / "nix")
    cadaster = ['domain = "canon"', "", "[networks.bench]", 'cidr = "127.0.10.0/24"', ""]
    constellation = ['name = "bench"', ""]
    for i in range(size):
        name = f"node{i:02d}"
        cadaster += [
            f"[machines.{name}]",
            'kind = "nixos"',
            f"[machines.{name}.interfaces.eth0]",
            f'mac = "52:54:00:00:0a:{i + 2:02x}"',
            'network = "bench"',
            f'ip = "127.0.10.{i + 2}"',
            "",
        ]
        constellation += [f"[machines.{name}]", f'hostConfig = ".#{ROLES[i % len(ROLES)]}"', ""]
    (folder / "cadaster.toml").write_text("\n".join(cadaster))
    (folder / "constellations").mkdir()
    (folder / "constellations" / "bench.toml").write_text("\n".join(constellation))
    return folder


CPU: dict[str, float] = {}  # client CPU seconds (this process and its children), median, per column


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(func, repeat: int, name: str = "") -> float:
    """Median wall time of `func`; its median client CPU time goes to `CPU[name]`."""
    samples, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), _cpu()
        func()
        samples.append(time.perf_counter() - started)
        cpu.append(_cpu() - used)
    CPU[name] = statistics.median(cpu)
    return statistics.median(samples)


def bench_size(size: int, repeat: int, root: Path) -> dict[str, float]:
    folder = write_lab(root / f"lab{size}", size)
    os.environ.pop("ELENTA_STATE_DIR", None)
    lab = load_lab(folder)
    lab_up(lab)
    try:
        quiet = lambda line: None  # noqa: E731
        first = run_deploy(lab, "test", no_dns=True, echo=quiet)
        assert all(r.result == "changed" for r in first.results), first.table()
        hosts = inventory_groups(lab, no_dns=True)["all"]
        targets = [SshTarget.from_data(data, name) for name, data in hosts]

        def noop() -> None:
            report = run_deploy(lab, "test", no_dns=True, echo=quiet)
            assert all(r.result == "unchanged" for r in report.results), report.table()

        command = nixos_system_command()
        fresh = [
            " ".join(shlex.quote(a) for a in ["ssh", *t.options(), t.destination, command]) + " >/dev/null"
            for t in targets
        ]
        seq_script = "\n".join(fresh)
        par_script = "\n".join(line + " &" for line in fresh) + "\nwait\n"
        env = {**os.environ, "ELENTA_LAB": str(folder)}
        results = {
            "elenta": timed(noop, repeat, "elenta"),
            "elenta CLI": timed(
                lambda: subprocess.run(
                    ["elenta", "deploy", "--no-dns", "--lab", str(folder)],
                    env=env,
                    capture_output=True,
                    check=True,
                ),
                repeat,
                "elenta CLI",
            ),
            "seq loop": timed(lambda: subprocess.run(["sh", "-c", seq_script], check=True), repeat, "seq"),
            "par loop": timed(lambda: subprocess.run(["sh", "-c", par_script], check=True), repeat, "par"),
        }
        return results
    finally:
        lab_down(lab)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,30")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reason = lab_unavailable()
    if reason or not shutil.which("nix"):
        raise SystemExit(f"cannot run: {reason or 'nix is not installed'}")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "elenta")], check=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"no-op deploy, median of {args.repeat}, {os.cpu_count()} cores, load average {load}")
    header = f"{'hosts':>5}  {'elenta':>7}  {'CLI':>6}  {'seq loop':>8}  {'par loop':>8}"
    print(header + "   seq/elenta  par/elenta  seq/CLI  par/CLI")
    with tempfile.TemporaryDirectory(prefix="elenta-bench-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            r = bench_size(size, args.repeat, Path(tmp))
            e, cli, seq, par = r["elenta"], r["elenta CLI"], r["seq loop"], r["par loop"]
            print(
                f"{size:>5}  {e:>6.2f}s  {cli:>5.2f}s  {seq:>7.2f}s  {par:>7.2f}s   "
                f"{seq / e:>9.1f}x  {par / e:>9.1f}x  {seq / cli:>6.1f}x  {par / cli:>6.1f}x",
                flush=True,
            )
            c = CPU
            print(
                f"{'':>5}  client CPU: elenta {c['elenta']:.2f}s, CLI {c['elenta CLI']:.2f}s, "
                f"seq loop {c['seq']:.2f}s, par loop {c['par']:.2f}s "
                f"(seq/CLI {c['seq'] / c['elenta CLI']:.1f}x)",
                flush=True,
            )


if __name__ == "__main__":
    main()
