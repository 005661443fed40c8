"""The final table says what the hosts say; failure details carry the first real error line."""

from __future__ import annotations

from pathlib import Path

from elenta.nixos.activation import parse_follow
from elenta.nixos.build import BuiltSystem
from elenta.nixos.settle import truthful
from elenta.nixos.status import HostStatus
from elenta.pipeline.record import first_error_line
from elenta.pipeline.run import _pyinfra_error

OLD, NEW = "/nix/store/" + "a" * 32 + "-nixos-system-old", "/nix/store/" + "b" * 32 + "-nixos-system-new"


def status(deploy: str | None, current: str, reason: str = "", profile: str | None = None) -> HostStatus:
    facts = {
        "current": current,
        "profile_system": profile or current,
        "next_boot": profile or current,
        "deploy": deploy,
        "reason": reason,
        "deploys": {},
    }
    return HostStatus("toto.canon", BuiltSystem(NEW, "rev", ".#dns"), facts, None, 0.1)


def test_a_confirmed_host_is_changed_whatever_the_events_said() -> None:
    assert truthful("test", status("confirmed", NEW), "failed", "Success")[0] == "changed"


def test_a_confirmed_switch_must_also_boot_the_new_system() -> None:
    result, detail = truthful("switch", status("confirmed", NEW, profile=OLD), "changed", "")
    assert result == "failed" and "boots" in detail


def test_a_rolled_back_host_gives_the_hosts_own_reason() -> None:
    why = "no confirmation within 30 s of the end of activation"
    result, detail = truthful("test", status("rolled-back", OLD, why), "rolled-back", "could not confirm")
    assert result == "rolled-back" and detail.startswith(why)


def test_an_undecided_host_is_not_reported_rolled_back() -> None:
    result, detail = truthful("test", status("awaiting-confirmation", NEW), "rolled-back", "unconfirmed")
    assert result == "undecided" and "watchdog" in detail


def test_a_host_never_activated_keeps_its_result_with_where_it_stands() -> None:
    result, detail = truthful("test", status(None, OLD), "skipped", "interrupted before activation")
    assert result == "skipped" and "the host runs" in detail


def test_first_error_line_finds_the_cause() -> None:
    stderr = "copying 1 paths...\nerror: writing to file: No space left on device\nerror: cannot add path\n"
    assert first_error_line(stderr) == "error: writing to file: No space left on device"
    assert first_error_line("just one line\n") == "just one line"
    assert first_error_line("") == ""


def test_pyinfra_summaries_never_make_a_detail(tmp_path: Path) -> None:
    log = tmp_path / "pyinfra.log"
    log.write_text(
        "[toto.canon] Error: executed 0 commands\n"
        "    [toto.canon] No changes\n"
        "[toto.canon] Error: Connection lost: Socket is closed\n"
    )
    detail = _pyinfra_error(log, "toto.canon")
    assert "Connection lost: Socket is closed" in detail and "executed 0 commands" not in detail


def test_follow_answers_are_parsed() -> None:
    out = "state=rolled-back\nstatus=1\nreason=activation failed (exit 1): boom\nlog=a\nlog=b\n"
    assert parse_follow(out) == {
        "state": "rolled-back",
        "status": "1",
        "reason": "activation failed (exit 1): boom",
        "log": ["a", "b"],
    }
