"""The docs name files a reader can open: every repository path the README and docs/ cite exists (a doc that cites
a test which does not exist promises a check nobody runs)."""

from __future__ import annotations

import re

from tests.support.estates import REPO

CITED = re.compile(
    r"(?<![\w/.-])((?:tests|failsafe|components|policies|scripts|bench|bin|docs)/[\w./-]+\.(?:py|sh|md|json|yaml))"
)


def test_every_file_the_docs_cite_exists() -> None:
    missing = []
    for doc in [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]:
        for match in CITED.finditer(doc.read_text(encoding="utf-8")):
            if not (REPO / match.group(1)).exists():
                missing.append(f"{doc.relative_to(REPO)}: {match.group(1)}")
    assert not missing, "cited but not in the repository:\n" + "\n".join(missing)
