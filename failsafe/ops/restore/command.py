"""``failsafe-dr restore s3|params|snapshot|recovery-point|tests``: the subcommands, and on the ones that restore
``--record-dir``/``--store`` (each executed run writes a run record) and ``--drill-dir`` (each such run is also a
drill step), timed by the command itself."""

from __future__ import annotations

from typing import Any

from failsafe.ops import options
from failsafe.ops.restore import params, recovery_point, s3, snapshot, testing
from failsafe.ops.restore.common import drill_timed


def register(sub: Any) -> None:
    rsub = options.group(
        sub, "restore", "restore data from the backup account (dry run unless --execute)", "restore_command"
    )
    timed = [module.add_parser(rsub) for module in (s3, params, snapshot, recovery_point)]
    testing.add_parser(rsub)
    for command in timed:
        options.add_drill_dir(command, "record this command, timed by the tool, in the drill running there")
        command.add_argument("--step-label", help="what the drill step restores (default: the command)")
        command.add_argument(
            "--record-dir", metavar="DIR", help="where the run record goes (default: --drill-dir, else ./restore-runs)"
        )
        command.add_argument(
            "--store", help="the recovery model's store id of the run record (default: from the command and label)"
        )
        command.set_defaults(func=drill_timed(command.get_default("func")))
