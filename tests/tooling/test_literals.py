"""``check`` reads the source for account IDs the pack cannot tell from config values (failsafe/tooling/literals.py)."""

from __future__ import annotations

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
