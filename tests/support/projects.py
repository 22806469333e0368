"""A copy of the project's config files in a temporary folder, for tests that break one file the way a person would
and read it back through failsafe.settings (which takes the folder as ``root``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.plans import ROOT

CONFIG_FILES = ("Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dr.yaml", "Pulumi.pr.template.yaml")


class ProjectCopy:
    def __init__(self, root: Path) -> None:
        self.root = root
        for name in CONFIG_FILES:
            shutil.copy(ROOT / name, root / name)

    def text(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(text, encoding="utf-8")

    def add_config(self, name: str, line: str) -> int:
        """Append ``line`` (``key: value``) under the file's ``config:`` block; returns its line number."""
        text = self.text(name).rstrip("\n") + "\n"
        self.write(name, text + f"  {line}\n")
        return text.count("\n") + 1

    def set_config(self, name: str, key: str, value: str) -> int:
        """Set ``failsafe:<key>`` in the file to ``value`` (YAML as written): the line that sets it, else a new line;
        returns its line number."""
        lines = self.text(name).rstrip("\n").split("\n")
        for index, line in enumerate(lines):
            if line.startswith((f"  failsafe:{key}:", f"  {key}:")):
                lines[index] = f"  failsafe:{key}: {value}"
                self.write(name, "\n".join(lines) + "\n")
                return index + 1
        return self.add_config(name, f"failsafe:{key}: {value}")

    def replace(self, name: str, old: str, new: str) -> None:
        text = self.text(name)
        assert old in text, f"{old!r} not in {name}"
        self.write(name, text.replace(old, new, 1))

    def set_default(self, key: str, default: str) -> None:
        """Replace the ``default:`` line of ``key`` in Pulumi.yaml with ``default`` (YAML as written)."""
        lines = self.text("Pulumi.yaml").splitlines()
        start = lines.index(f"  {key}:")
        for index in range(start + 1, len(lines)):
            if lines[index].startswith("    default:"):
                lines[index] = f"    default: {default}"
                break
        else:
            raise AssertionError(f"{key} has no default line")
        self.write("Pulumi.yaml", "\n".join(lines) + "\n")
