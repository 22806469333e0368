"""CHANGELOG.md names the versions the three shipped parts carry, so an upgrade note is never for another version."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.support.estates import REPO


def test_the_newest_changelog_entry_names_the_current_versions_of_program_components_and_pack() -> None:
    program = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    components = tomllib.loads((REPO / "components" / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    pack = yaml.safe_load((REPO / "policies" / "PulumiPolicy.yaml").read_text(encoding="utf-8"))["version"]
    newest = re.search(r"^## (program .*)$", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert newest is not None, "CHANGELOG.md has no '## program <v>, components <v>, pack <v>' entry"
    assert newest.group(1).startswith(f"program {program}, components {components}, pack {pack}"), newest.group(1)


def test_the_changelog_tells_how_to_upgrade_from_the_0_2_layout() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "python -m failsafe upgrade --from" in text and "## Upgrading" in text
