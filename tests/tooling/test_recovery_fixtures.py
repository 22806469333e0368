"""The recovery model of estates other than the example: every store x disruption cell of a fixture estate has a
number or an explicit "not protected" (issue: recovery model, "Done when"), and the stores are the estate's own.

Expected stores come from the fixture's inputs (read with PyYAML): one ``s3:<bucket>`` per protected bucket, a
``dns:<record>`` store exactly when ``dnsRecordName`` is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.estates import FIXTURES, build_project


@pytest.mark.parametrize("estate", ["acme", "tiny"])
def test_every_cell_of_a_fixture_estates_model_has_a_figure_or_says_not_protected(estate: str, tmp_path: Path) -> None:
    project = build_project(estate, tmp_path / "project")
    env = {**os.environ, "FAILSAFE_PROJECT_DIR": str(project)}
    env.pop("FAILSAFE_TEST_PROJECT", None)
    done = subprocess.run(
        [sys.executable, "-m", "failsafe", "recovery", "prod", "--output", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout)
    inputs = yaml.safe_load((FIXTURES / estate / "Pulumi.prod.yaml").read_text(encoding="utf-8"))["config"]
    ids = [store["id"] for store in model["stores"]]
    assert sorted(i for i in ids if i.startswith("s3:")) == sorted(
        f"s3:{b}" for b in inputs["failsafe:protectedBuckets"]
    )
    record = inputs.get("failsafe:dnsRecordName")
    assert [i for i in ids if i.startswith("dns:")] == ([f"dns:{record}"] if record else [])
    disruptions = {d["id"] for d in model["disruptions"]}
    for store in model["stores"]:
        assert set(store["cells"]) == disruptions, store["id"]
        for disruption, cell in store["cells"].items():
            where = f"{estate}: {store['id']} @ {disruption}"
            assert cell["status"] in {"protected", "unaffected", "not protected"}, where
            if cell["status"] != "not protected":
                assert cell["rpo"]["text"] and cell["rto"]["text"], where
            assert cell["reason"], where
