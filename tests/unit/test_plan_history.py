"""Plan store, append-only history, apply hook and rollback (with a recording pipeline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest_plan import edit_constellation

from elenta.cli import program
from elenta.compile.history import History, HistoryError
from elenta.compile.plan import PlanError, build_plan
from elenta.compile.rollout import ApplyRequest, applied_plan, apply_plan, applying, rollback_plan
from elenta.compile.store import PlanStore
from elenta.model.lab import load_lab

pytestmark = pytest.mark.filterwarnings("ignore")  # other subsystems' builders may warn


@pytest.fixture
def lab_dir(example_lab_copy: Path, monkeypatch) -> Path:
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)
    return example_lab_copy


class Pipeline:
    """A deploy pipeline that records what it was asked, and can be told to fail."""

    def __init__(self) -> None:
        self.requests: list[ApplyRequest] = []
        self.fail = False

    def __call__(self, request: ApplyRequest) -> None:
        assert request.plan_dir.is_dir()
        self.requests.append(request)
        if self.fail:
            raise RuntimeError("host toto did not come back")


def test_store_keeps_each_plan_once_by_hash(lab_dir):
    lab = load_lab(lab_dir)
    plan = build_plan(lab)
    store = PlanStore(lab.state_dir)
    where = store.save(plan)
    mtime = (where / "manifest.json").stat().st_mtime_ns
    assert store.save(plan) == where
    assert (where / "manifest.json").stat().st_mtime_ns == mtime
    assert store.load(plan.short).hash == plan.hash
    assert store.load(plan.hash).hash == plan.hash
    assert (store.root / "latest").resolve() == where.resolve()
    with pytest.raises(PlanError, match="no plan"):
        store.load("ffffffff")


def test_apply_records_start_and_result_with_revision_and_who(lab_dir):
    lab = load_lab(lab_dir)
    pipeline = Pipeline()
    plan = build_plan(lab)
    apply_plan(lab, plan, mode="test", runner=pipeline)
    (run,) = History(lab.state_dir).runs()
    assert run.result == "ok" and run.plan == plan.hash and run.started.mode == "test"
    assert "@" in run.started.who and run.started.time.endswith("Z")
    assert pipeline.requests[0].plan.hash == plan.hash and not pipeline.requests[0].restore
    assert applied_plan(lab).hash == plan.hash


def test_a_failed_apply_is_recorded_and_not_current(lab_dir):
    lab = load_lab(lab_dir)
    pipeline = Pipeline()
    first = build_plan(lab)
    apply_plan(lab, first, runner=pipeline)
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "root"')
    lab = load_lab(lab_dir)
    pipeline.fail = True
    with pytest.raises(RuntimeError):
        apply_plan(lab, build_plan(lab), runner=pipeline)
    runs = History(lab.state_dir).runs()
    assert [r.result for r in runs] == ["ok", "failed"]
    assert "did not come back" in runs[1].finished.detail
    assert History(lab.state_dir).current() == first.hash


def test_history_is_append_only(lab_dir):
    lab = load_lab(lab_dir)
    pipeline = Pipeline()
    apply_plan(lab, build_plan(lab), runner=pipeline)
    path = History(lab.state_dir).path
    before = path.read_bytes()
    apply_plan(lab, build_plan(lab), runner=pipeline)
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert len(after.splitlines()) == 4


def test_rollback_applies_the_previous_plan_and_walks_back_like_generations(lab_dir):
    pipeline = Pipeline()
    lab = load_lab(lab_dir)
    a = build_plan(lab)
    apply_plan(lab, a, runner=pipeline)
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "b"')
    lab = load_lab(lab_dir)
    b = build_plan(lab)
    apply_plan(lab, b, runner=pipeline)
    edit_constellation(lab_dir, 'zone_admin = "b"', 'zone_admin = "c"')
    lab = load_lab(lab_dir)
    c = build_plan(lab)
    apply_plan(lab, c, runner=pipeline)

    rollback_plan(lab, runner=pipeline)
    assert pipeline.requests[-1].plan.hash == b.hash
    assert pipeline.requests[-1].restore and pipeline.requests[-1].action == "rollback"
    assert History(lab.state_dir).current() == b.hash
    rollback_plan(lab, runner=pipeline)
    assert pipeline.requests[-1].plan.hash == a.hash
    with pytest.raises(HistoryError, match="nothing to roll back to"):
        rollback_plan(lab, runner=pipeline)
    assert [r.started.action for r in History(lab.state_dir).runs()] == [
        "apply",
        "apply",
        "apply",
        "rollback",
        "rollback",
    ]


def test_rollback_with_no_history_says_so(lab_dir):
    with pytest.raises(HistoryError, match="apply a plan first"):
        rollback_plan(load_lab(lab_dir), runner=Pipeline())


def test_applying_context_records_an_interrupting_exception(lab_dir):
    lab = load_lab(lab_dir)
    plan = build_plan(lab)
    with pytest.raises(KeyboardInterrupt), applying(lab, plan, action="deploy", mode="switch"):
        raise KeyboardInterrupt
    (run,) = History(lab.state_dir).runs()
    assert run.result == "failed" and run.started.action == "deploy"


def test_a_damaged_history_line_is_named(lab_dir):
    lab = load_lab(lab_dir)
    history = History(lab.state_dir)
    history.path.parent.mkdir(parents=True)
    history.path.write_text('{"run": "x"}\n')
    with pytest.raises(HistoryError, match=":1: not a history record"):
        history.runs()


# -- tasks -------------------------------------------------------------------------------------


def run_cli(*argv: str) -> None:
    program.run(["elenta", *argv], exit=False)


def test_plan_task_shows_the_diff_against_the_applied_plan(lab_dir, capsys, tmp_path):
    lab = load_lab(lab_dir)
    apply_plan(lab, build_plan(lab), runner=Pipeline())
    capsys.readouterr()
    run_cli("plan", "--lab", str(lab_dir))
    assert "No changes." in capsys.readouterr().out
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "root"')
    run_cli("plan", "--lab", str(lab_dir), "--out", str(tmp_path / "out"))
    out = capsys.readouterr().out
    assert '~ data.zone_admin: "hostmaster" -> "root"' in out and "against applied plan" in out
    assert (tmp_path / "out" / "manifest.json").is_file()
    run_cli("plan", "--lab", str(lab_dir), "--canon", "nancy.canon")
    out = capsys.readouterr().out
    # nancy's own entry did not change; the lab-wide discovery document it reads did.
    assert "(nancy)" in out and "\nmachines\n" not in out
    assert "~ discovery.json" in out and "~ machines.toto.data.zone_admin" in out


def test_diff_and_history_tasks(lab_dir, capsys, tmp_path):
    lab = load_lab(lab_dir)
    a = build_plan(lab)
    apply_plan(lab, a, runner=Pipeline())
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "root"')
    b = build_plan(load_lab(lab_dir))
    b.write(tmp_path / "b")
    capsys.readouterr()
    run_cli("diff", a.short, str(tmp_path / "b"), "--lab", str(lab_dir))
    out = capsys.readouterr().out
    assert "~ data.zone_admin" in out
    run_cli("history", "--lab", str(lab_dir))
    out = capsys.readouterr().out
    assert a.short in out and " ok " in out and "apply" in out
    run_cli("history", "--lab", str(lab_dir), "--json")
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert record["plan"] == a.hash and record["result"] == "ok"


def test_plan_task_reports_check_faults_with_exit_code(lab_dir, capsys):
    edit_constellation(
        lab_dir, 'vms.web1 = { config = ".#web", cores = 2,', 'vms.web1 = { config = ".#web", cores = 20,'
    )
    with pytest.raises(SystemExit) as exit_:
        program.run(["elenta", "plan", "--lab", str(lab_dir)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "over-allocated" in err and "machines.archimedes.resources.cores" in err


# -- replaying an older plan -------------------------------------------------------------------


def test_a_replayed_plan_compiles_to_the_same_hash(lab_dir):
    from elenta.compile.replay import replay_lab

    lab = load_lab(lab_dir)
    old = build_plan(lab)
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "root"')
    lab = load_lab(lab_dir)
    replayed = replay_lab(lab, old)
    assert (replayed.root / "flake.nix").read_bytes() == (lab_dir / "flake.nix").read_bytes()
    assert 'zone_admin = "hostmaster"' in (replayed.root / "constellations" / "homelab.toml").read_text()
    assert build_plan(replayed).hash == old.hash
    assert build_plan(lab).hash != old.hash


def test_replay_takes_the_flake_from_the_recorded_git_revision(lab_dir):
    import subprocess

    from elenta.compile.replay import replay_lab
    from elenta.compile.rollout import lab_revision

    def git(*args):
        subprocess.run(["git", "-C", str(lab_dir), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "lab")
    lab = load_lab(lab_dir)
    revision = lab_revision(lab)
    assert revision and not revision.endswith("dirty")
    old = build_plan(lab)
    (lab_dir / "flake.nix").write_text("# changed since\n")
    replayed = replay_lab(lab, old, revision)
    assert (replayed.root / "flake.nix").read_bytes() != b"# changed since\n"
    assert (replayed.root / "nix" / "build-system.sh").is_file()
    assert build_plan(replayed).hash == old.hash


def test_pipeline_runner_deploys_the_replayed_lab_with_the_lab_state(lab_dir, monkeypatch):
    import elenta.pipeline.run as pipeline
    from elenta.compile.rollout import pipeline_runner

    calls = []

    class Report:
        failed: list = []

        def table(self):
            return "host  result"

    def fake_run_deploy(lab, action, selection, **kwargs):
        import os

        calls.append((lab, action, selection, kwargs, os.environ.get("ELENTA_STATE_DIR")))
        return Report()

    monkeypatch.setattr(pipeline, "run_deploy", fake_run_deploy)
    lab = load_lab(lab_dir)
    a = build_plan(lab)
    apply_plan(lab, a, runner=Pipeline())
    edit_constellation(lab_dir, 'zone_admin = "hostmaster"', 'zone_admin = "root"')
    lab = load_lab(lab_dir)
    apply_plan(lab, build_plan(lab), runner=pipeline_runner)
    assert calls[-1][0].root == lab.root and calls[-1][1] == "switch" and calls[-1][2].empty
    assert calls[-1][3] == {"subsystems": (), "no_dns": False, "restore": False}
    assert calls[-1][4] == str(lab.state_dir)
    rollback_plan(lab, runner=pipeline_runner)
    replayed = calls[-1][0]
    assert replayed.root != lab.root and build_plan(replayed).hash == a.hash
    assert History(lab.state_dir).current() == a.hash


def test_apply_task_applies_through_the_registered_pipeline(lab_dir, capsys, monkeypatch):
    import elenta.compile.rollout as apply_module

    pipeline = Pipeline()
    monkeypatch.setattr(apply_module, "_RUNNER", [pipeline])
    run_cli("apply", "--lab", str(lab_dir), "--mode", "test")
    assert "applied plan" in capsys.readouterr().out
    (request,) = pipeline.requests
    assert request.mode == "test" and request.plan.scope is None
    run_cli("apply", "--plan", request.plan.short, "--lab", str(lab_dir))
    assert [r.result for r in History(load_lab(lab_dir).state_dir).runs()] == ["ok", "ok"]
