"""AWS Backup: one store per resource type a backup plan's selection covers.

Read from the plans: the rule's ``schedule`` (the longest gap between two runs, :mod:`..schedules`), ``startWindow``
and ``completionWindow`` (AWS Backup API Reference, BackupRule: a job may start up to the start window after its time,
and must complete within the completion window after it started), ``lifecycle.deleteAfter``, and each
``copyActions`` entry's ``destinationVaultArn`` and lifecycle, with the vaults on both ends (their account, region,
lock and ``protect``). The worst case of a recovery point in the rule's own vault is therefore interval + start window
+ completion window; a copy adds the copy job's time, for which AWS Backup publishes no figure (UNKNOWN).

A copy into a logically air-gapped vault (issue 25) is the copy that outlives the backup account: its recovery points
are held in an AWS Backup service-owned account, always under a compliance-mode vault lock, and restorable from any
account the vault is shared with (AWS Backup Developer Guide, "Logically air-gapped vault": Overview; "Compare and
contrast with a standard backup vault", Restore row: "Backups can be restored by a different account than the one to
which the vault belongs if the vault is shared with that separate account"). The "backup account compromised or lost"
cell names it, and the account it is shared with (the plan's RAM principal association), or says that no copy
survives the backup account. Limits the cell states: the owner "can end RAM based sharing at any time" (AWS Backup
Developer Guide, "Multi-party approval for logically air-gapped vaults"), and once the owning account is closed the
backups stay reachable only through multi-party approval until the post-closure period ends ("Logically air-gapped
vault", Overview).

Extension point (issue 24): an organization's ``BACKUP_POLICY`` makes the same plans in every member; a kind that reads
``aws:organizations/policy:Policy`` of that type in the ``org`` stack registers beside this one and answers with the
same terms.
"""

from __future__ import annotations

from dataclasses import replace

from failsafe.ops import runrecord
from failsafe.tooling.recovery import disruptions as d
from failsafe.tooling.recovery import figures as f
from failsafe.tooling.recovery.estate import Estate, Item, Place
from failsafe.tooling.recovery.schedules import max_gap_minutes
from failsafe.tooling.recovery.steps import Step, StepBook
from failsafe.tooling.recovery.stores.base import Cell, Store, StoreKind, not_protected, protected, register, unaffected
from failsafe.tooling.recovery.terms import Basis, Cost, Read, Term, Window

PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
SHARE_RESOURCE = "aws:ram/resourceAssociation:ResourceAssociation"
SHARE_PRINCIPAL = "aws:ram/principalAssociation:PrincipalAssociation"


def resource_type(pattern: str) -> str | None:
    for prefix, part, name in f.BACKUP_TYPES_BY_ARN:
        if pattern.startswith(prefix) and part in pattern:
            return name
    return None


def window_term(key: str, name: str, read: Read) -> Term:
    if read.value is None:
        return Term(
            key, name, None, Basis.UNKNOWN, note="not set in the plan: AWS Backup's default applies", reads=(read,)
        )
    return Term(
        key,
        name,
        float(read.value),
        Basis.SETTING,
        reads=(read,),
        docs=(f.BACKUP_WINDOWS,),
        why=f"{name} {read.value} min",
    )


class Backups(StoreKind):
    def __init__(self) -> None:
        super().__init__("backup", "AWS Backup recovery points")

    def discover(self, estate: Estate, book: StepBook) -> list[Store]:
        stores: dict[str, Store] = {}
        for plan in estate.items(PLAN):
            selections = [s for s in estate.items(SELECTION) if s.inputs.get("planId") == plan.resource.id]
            types: dict[str, Read] = {}
            for selection in selections:
                for n, pattern in enumerate(selection.inputs.get("resources") or []):
                    found = resource_type(str(pattern))
                    if found and found not in types:
                        types[found] = estate.read(selection, f"resources.{n}")
            rules = list(enumerate(plan.inputs.get("rules") or []))
            if not rules:
                continue
            n = min(rules, key=lambda r: max_gap_minutes(str(r[1].get("schedule", ""))) or float("inf"))[0]
            for type_, selected in types.items():
                store_id = f"backup:{type_}" if f"backup:{type_}" not in stores else f"backup:{type_}:{plan.name}"
                stores[store_id] = self._store(estate, book, plan, n, type_, selected, store_id)
        return list(stores.values())

    def _store(
        self, estate: Estate, book: StepBook, plan: Item, n: int, type_: str, selected: Read, store_id: str
    ) -> Store:
        rule = f"rules.{n}"
        schedule = estate.read(plan, f"{rule}.schedule")
        gap = max_gap_minutes(str(schedule.value or ""))
        interval = (
            Term(
                "backup.interval",
                "time between two backups",
                gap,
                Basis.SETTING,
                reads=(schedule,),
                docs=(f.BACKUP_SCHEDULE,),
                why=f"schedule {schedule.value}",
            )
            if gap is not None
            else Term(
                "backup.interval",
                "time between two backups",
                None,
                Basis.UNKNOWN,
                note="a schedule form the model cannot evaluate",
                reads=(schedule,),
            )
        )
        own = (
            interval,
            window_term("backup.start-window", "start window", estate.read(plan, f"{rule}.startWindow")),
            window_term("backup.completion-window", "completion window", estate.read(plan, f"{rule}.completionWindow")),
        )
        here = estate.where(plan)
        vault_name = estate.value(plan, f"{rule}.targetVaultName")
        vault = next(
            (v for v in estate.items(VAULT) if v.inputs.get("name") == vault_name and v.stack == plan.stack), None
        )
        retention = estate.read(plan, f"{rule}.lifecycle.deleteAfter")
        copies = []
        for c, _ in enumerate(estate.value(plan, f"{rule}.copyActions") or []):
            arn = estate.read(plan, f"{rule}.copyActions.{c}.destinationVaultArn")
            target = estate.by_output(VAULT, "arn", arn.value) or estate.by_output(AIR_GAPPED_VAULT, "arn", arn.value)
            place = estate.where(target) if target else _place_of(str(arn.value or ""))
            copies.append((arn, target, place, estate.read(plan, f"{rule}.copyActions.{c}.lifecycle.deleteAfter")))

        def copy_term(arn: Read) -> Term:
            return Term(
                "backup.copy",
                "copy job into the other vault",
                None,
                Basis.UNKNOWN,
                note="starts when the backup job completes; AWS Backup publishes no copy duration",
                reads=(arn,),
                docs=(f.BACKUP_COPY,),
                why="copy job time unpublished",
            )

        declare, up = book.declare(), book.up(plan.stack)
        restore = book.restore(
            store_id,
            self.name,
            f"failsafe-dr restore recovery-point ({type_})",
            command="restore recovery-point",
            drill_names=(f"{runrecord.RESTORE_STEP_PREFIX}recovery-point {type_}",),
            resource_type=type_,
            what="AWS Backup restore job",
        )

        def away(disruption: str, apart: str) -> tuple[Read, Item | None, Place, Read] | None:
            for arn, target, place, kept in copies:
                if getattr(place, apart) != getattr(here, apart):
                    return arn, target, place, kept
            return None

        def lock_note(target: Item | None) -> str:
            if target is not None and target.resource.type == AIR_GAPPED_VAULT:
                return (
                    "the copies' vault is logically air-gapped: always locked in compliance mode (min "
                    f"{target.inputs.get('minRetentionDays')} days, max {target.inputs.get('maxRetentionDays')} days)"
                )
            locks = [
                lk
                for lk in estate.items(VAULT_LOCK)
                if target and lk.inputs.get("backupVaultName") == target.inputs.get("name")
            ]
            if not locks:
                return "the copies' vault has no vault lock: whoever holds its account can delete them"
            mode = "compliance" if locks[0].inputs.get("changeableForDays") is not None else "governance"
            return (
                f"the copies' vault is locked in {mode} mode (min {locks[0].inputs.get('minRetentionDays')} days, max "
                f"{locks[0].inputs.get('maxRetentionDays')} days)"
            )

        def from_copy(disruption: str, apart: str, reason: str, steps: tuple[Step, ...], window: bool = False) -> Cell:
            found = away(disruption, apart)
            if found is None:
                what = "no copy action" if not copies else f"its copies stay in the same {apart}"
                return not_protected(disruption, f"the backup rule ({rule}) has {what}")
            arn, target, place, kept = found
            keep = (
                Window(float(kept.value), "copies kept in the other vault (copy lifecycle deleteAfter)", (kept,))
                if window and kept.value
                else None
            )
            return protected(
                disruption,
                reason.format(place=place.text()),
                (*own, copy_term(arn)),
                (*steps, restore),
                keep,
                (lock_note(target),),
            )

        def az() -> Cell:
            return protected(
                d.AZ_LOSS.id,
                f"recovery points in the regional vault {vault_name} survive; restore the newest",
                own,
                (declare, restore),
                notes=("the resource's own Multi-AZ or point-in-time recovery is outside the plans",),
            )

        def compromised() -> Cell:
            cell = from_copy(
                d.PROD_COMPROMISED.id,
                "account",
                "the copies in {place} survive",
                (declare, book.new_account(), up),
                True,
            )
            prod_locked = any(
                lk.inputs.get("backupVaultName") == vault_name and lk.stack == plan.stack
                for lk in estate.items(VAULT_LOCK)
            )
            if not prod_locked and cell.status.value == "protected":
                cell = replace(
                    cell,
                    notes=(
                        *cell.notes,
                        f"prod's vault {vault_name} has no vault lock: the attacker can delete its recovery points",
                    ),
                )
            return cell

        def destroyed() -> Cell:
            protect = estate.read(vault, "options.protect") if vault else None
            return unaffected(
                d.STACK_DESTROYED.id,
                "the backed-up resources are selected by tag, not declared in the plans: a destroy leaves them; the "
                f"vault {vault_name} is {'protected' if protect and protect.value else 'not protected'} and AWS Backup "
                "refuses to delete a vault that holds recovery points",
                ("a destroy removes the plan and selection: backups stop until the next `pulumi up`",),
            )

        cells = self.cells(
            {
                d.AZ_LOSS.id: az,
                d.REGION_LOSS.id: lambda: from_copy(
                    d.REGION_LOSS.id,
                    "region",
                    "the copies in {place} survive; rebuild prod in a surviving region",
                    (declare, up),
                ),
                d.PROD_LOST.id: lambda: from_copy(
                    d.PROD_LOST.id, "account", "the copies in {place} survive", (declare, book.new_account(), up)
                ),
                d.PROD_COMPROMISED.id: compromised,
                d.BACKUP_LOST.id: lambda: unaffected(
                    d.BACKUP_LOST.id,
                    f"the resources and their recovery points in {here.text()} are untouched; only the copies are lost",
                    _surviving_copies(estate, copies, here),
                ),
                d.RANSOMWARE.id: lambda: from_copy(
                    d.RANSOMWARE.id,
                    "account",
                    "restore the newest copy from before the attack in {place} (prod's own recovery points may be "
                    "deleted)",
                    (declare,),
                    True,
                ),
                d.ACCIDENTAL_DELETE.id: lambda: protected(
                    d.ACCIDENTAL_DELETE.id,
                    "a deleted resource's recovery points stay in the vault; restore the newest",
                    own,
                    (declare, restore),
                    Window(
                        float(retention.value),
                        "recovery points kept in prod's vault (lifecycle deleteAfter)",
                        (retention,),
                    )
                    if retention.value
                    else None,
                ),
                d.STACK_DESTROYED.id: destroyed,
            }
        )
        costs = [
            Cost(
                f"AWS Backup warm storage per GB-month in {vault_name} ({retention.value} days)",
                f.BACKUP_PRICING,
                (retention,),
            ),
            Cost(f"restore of {type_} (per GB for some resource types)", f.BACKUP_PRICING),
        ]
        for arn, _, _, kept in copies:
            costs += [
                Cost(f"copy storage per GB-month in the other vault ({kept.value} days)", f.BACKUP_PRICING, (kept,)),
                Cost("cross-region or cross-account copy data transfer per GB", f.DATA_TRANSFER_PRICING, (arn,)),
            ]
        facts = (schedule, selected, retention, *(c[0] for c in copies))
        return Store(
            store_id,
            self.name,
            f"{type_} recovery points of plan {plan.inputs.get('name', plan.name)}",
            cells,
            tuple(costs),
            facts,
        )


def _shared_with(estate: Estate, vault: Item) -> list[str]:
    """The accounts a RAM share of the plans gives ``vault`` to (its principal associations)."""
    shares = {
        r.inputs.get("resourceShareArn")
        for r in estate.items(SHARE_RESOURCE)
        if r.inputs.get("resourceArn") == vault.resource.outputs.get("arn")
    }
    return sorted(
        str(p.inputs.get("principal"))
        for p in estate.items(SHARE_PRINCIPAL)
        if p.inputs.get("resourceShareArn") in shares and p.inputs.get("principal")
    )


def _surviving_copies(
    estate: Estate, copies: list[tuple[Read, Item | None, Place, Read]], here: Place
) -> tuple[str, ...]:
    """What is left outside prod when the backup account is lost: the air-gapped copies, and who restores them."""
    found = []
    for _, target, place, kept in copies:
        if target is None or target.resource.type != AIR_GAPPED_VAULT or place.account == here.account:
            continue
        name = target.inputs.get("name") or target.name
        accounts = _shared_with(estate, target)
        who = (
            f"account {', '.join(accounts)} restores them through the RAM share made in advance (the owner can end "
            "the share; once the owning account is closed only multi-party approval reaches them, until the "
            "post-closure period ends)"
            if accounts
            else "the vault is shared with no account: only its own account restores from it"
        )
        found.append(
            f"the air-gapped copies in {name} ({place.text()}, kept {kept.value} days) survive the backup account: "
            f"AWS Backup holds them under a compliance lock; {who}"
        )
    if not found:
        found.append(
            "no copy survives the backup account: until it is rebuilt, prod's own vault holds the only recovery "
            "points (airGappedVault: docs/data-protection.md)"
        )
    return tuple(found)


def _place_of(arn: str) -> Place:
    parts = arn.split(":")
    return Place(parts[4], parts[3]) if len(parts) > 5 else Place("unknown", "unknown")


register(Backups())
