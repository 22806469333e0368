"""``check`` reads the source for account IDs the pack cannot tell from config values (failsafe/tooling/literals.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from failsafe.settings import stackfiles
from failsafe.tooling import gate, literals, planning

ROOT = Path(__file__).resolve().parents[2]


def own_accounts() -> frozenset[str]:
    _, cfg = planning.stack_config("prod")
    return cfg.named_accounts()


def test_an_estate_account_pasted_into_the_program_is_mandatory_and_a_docstring_is_not_code(tmp_path: Path) -> None:
    account = sorted(own_accounts())[0]
    (tmp_path / "__main__.py").write_text(
        f'"""Deployed into {account} (a docstring: documentation, not a value)."""\n'
        f'ROLE = "arn:aws:iam::{account}:role/deployer"\n'
        'OTHER = "arn:aws:iam::565656565656:role/someone"\n',
        encoding="utf-8",
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(f'ACCOUNT = "{account}"\n', encoding="utf-8")
    found = literals.scan(tmp_path, own_accounts())
    assert [(f.path, f.line, f.account, f.own) for f in found] == [
        ("__main__.py", 2, account, True),
        ("__main__.py", 3, "565656565656", False),
    ]
    violation = found[0].as_violation()
    assert violation["enforcementLevel"] == "mandatory" and "__main__.py:2" in violation["message"]
    assert found[1].as_violation()["enforcementLevel"] == "advisory"


def test_the_repository_writes_none_of_its_estates_accounts_in_code() -> None:
    own = [f for f in literals.scan(ROOT, own_accounts()) if f.own]
    assert own == [], own


def test_check_fails_on_a_planted_literal_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    account = sorted(own_accounts())[0]
    with (tmp_path / "__main__.py").open("a", encoding="utf-8") as program:
        program.write(f'\nPASTED = "{account}"\n')
    lines = (tmp_path / "__main__.py").read_text(encoding="utf-8").count("\n")
    monkeypatch.setattr(stackfiles, "ROOT", tmp_path)  # the source scanned; the plan is the real one
    assert gate.check("dr", json_output=False) == 1
    out = capsys.readouterr().out
    assert f"__main__.py:{lines}: account ID {account}" in out, out
    assert literals.POLICY in out


def _program(tmp_path: Path, account: str) -> Path:
    source = tmp_path / "project" / "__main__.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(f'ROLE = "arn:aws:iam::{account}:role/deployer"\n', encoding="utf-8")
    return source


def test_a_cached_scan_finds_what_a_fresh_one_finds_and_a_changed_file_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILSAFE_CACHE_DIR", str(tmp_path / "cache"))
    source = _program(tmp_path, "565656565656")
    first = literals.constants(source.parent)
    cached = json.loads((tmp_path / "cache" / f"{literals._CACHE_KEY}.json").read_text(encoding="utf-8"))
    assert cached[hashlib.sha256(source.read_bytes()).hexdigest()] == [[1, "565656565656"]]
    monkeypatch.setattr(literals, "_CACHE", literals._Cache())  # a new process: the cache file only
    assert literals.constants(source.parent) == first == [("__main__.py", 1, "565656565656", True)]
    with source.open("a", encoding="utf-8") as program:
        program.write('OTHER = "787878787878"\n')
    assert literals.constants(source.parent) == [
        ("__main__.py", 1, "565656565656", True),
        ("__main__.py", 2, "787878787878", True),
    ]


@pytest.mark.parametrize("broken", ["corrupt", "unwritable"])
def test_a_cache_that_cannot_be_read_or_written_changes_no_finding(
    broken: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    if broken == "corrupt":
        cache.mkdir()
        (cache / f"{literals._CACHE_KEY}.json").write_text('{"not": "a list", "x": [[1]]', encoding="utf-8")
    else:
        cache.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("FAILSAFE_CACHE_DIR", str(cache))
    monkeypatch.setattr(literals, "_CACHE", literals._Cache())
    source = _program(tmp_path, "565656565656")
    assert literals.constants(source.parent) == [("__main__.py", 1, "565656565656", True)]
    assert literals.constants(source.parent) == [("__main__.py", 1, "565656565656", True)]


def test_the_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    assert literals.cache_dir({"FAILSAFE_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert literals.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "failsafe"
    assert literals.cache_dir({}) == Path.home() / ".cache" / "failsafe"
