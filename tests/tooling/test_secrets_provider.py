"""A stack's secrets provider key must outlive prod (failsafe/tooling/secretscheck.py; Pulumi docs, "Stack settings
file reference", ``secretsprovider``; AWS KMS Developer Guide, "Key identifiers (KeyId)": a key ID or alias name
without an ARN is resolved in the caller's account)."""

from __future__ import annotations

from pathlib import Path

import pytest

from failsafe.settings import stackfiles
from failsafe.settings.config import load_mapping
from failsafe.tooling import secretscheck
from tests.support.estates import build_project


def _with_provider(tmp_path: Path, stack: str, provider: str) -> tuple[Path, object]:
    project = build_project("example", tmp_path / "project")
    path = project / f"Pulumi.{stack}.yaml"
    path.write_text(f"secretsprovider: {provider}\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = load_mapping(stack, stackfiles.unnamespaced(stackfiles.raw_config(stack, root=project)))
    return project, cfg


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_a_key_arn_in_the_prod_account_is_refused_for_every_stack(tmp_path: Path, stack: str) -> None:
    project = build_project("example", tmp_path / "probe")
    prod = load_mapping("prod", stackfiles.unnamespaced(stackfiles.raw_config("prod", root=project)))
    arn = f"arn:aws:kms:{prod.primary_region}:{prod.accounts.prod}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    root, cfg = _with_provider(tmp_path, stack, f"awskms://{arn}?region={prod.primary_region}")
    (found,) = secretscheck.findings(stack, cfg, root)  # type: ignore[arg-type]
    violation = found.as_violation()
    assert violation["enforcementLevel"] == "mandatory" and prod.accounts.prod in violation["message"]


def test_a_bare_alias_on_prod_is_prods_own_key_and_refused(tmp_path: Path) -> None:
    root, cfg = _with_provider(tmp_path, "prod", "awskms://alias/pulumi?region=eu-west-1")
    assert [f.stack for f in secretscheck.findings("prod", cfg, root)] == ["prod"]  # type: ignore[arg-type]


def test_a_key_in_the_backup_account_and_non_kms_providers_pass(tmp_path: Path) -> None:
    probe = build_project("example", tmp_path / "probe")
    dr = load_mapping("dr", stackfiles.unnamespaced(stackfiles.raw_config("dr", root=probe)))
    arn = f"arn:aws:kms:{dr.dr_region}:{dr.accounts.backup}:alias/pulumi-prod"
    for n, provider in enumerate((f"awskms://{arn}?region={dr.dr_region}", "passphrase", "default")):
        root, cfg = _with_provider(tmp_path / str(n), "prod", provider)
        assert secretscheck.findings("prod", cfg, root) == [], provider  # type: ignore[arg-type]


def test_a_stack_file_without_a_secrets_provider_has_no_finding(tmp_path: Path) -> None:
    project = build_project("example", tmp_path / "project")
    cfg = load_mapping("prod", stackfiles.unnamespaced(stackfiles.raw_config("prod", root=project)))
    assert secretscheck.findings("prod", cfg, project) == []
