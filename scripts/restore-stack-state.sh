#!/usr/bin/env bash
# Restore a stack's Pulumi state from the configuration archive (docs/runbook.md, step "restore state").
#
#   scripts/restore-stack-state.sh --stack prod --bucket <archiveBucketName> [--pulumi-stack org/failsafe/prod]
#                                  [--profile <backup-account profile>] [--keep <file>] [--yes]
#
# 1. downloads the newest VALID archive of the stack (`python -m failsafe.ops fetch`: newest first, skipping any
#    whose SHA-256 does not match its recorded checksum or that is not a usable export),
# 2. checks the SHA-256 again here with sha256sum, independently of the Python code,
# 3. selects (or creates) the stack and runs `pulumi stack import --file`, after a confirmation.
#
# Restore order: dr first, then prod. The state's secrets are encrypted with the stack's secrets provider:
# restore into a backend whose Pulumi.<stack>.yaml has the same secrets provider (e.g. the same KMS key
# or passphrase), or `pulumi up` will not be able to decrypt them.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit "${1:-2}"
}

die() {
  echo "restore-stack-state: error: $*" >&2
  exit 2
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
stack="" bucket="" pulumi_stack="" profile="" keep="" yes="no"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stack) stack="${2:-}"; shift 2 ;;
    --bucket) bucket="${2:-}"; shift 2 ;;
    --pulumi-stack) pulumi_stack="${2:-}"; shift 2 ;;
    --profile) profile="${2:-}"; shift 2 ;;
    --keep) keep="${2:-}"; shift 2 ;;
    --yes) yes="yes"; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage 2 ;;
  esac
done
[[ -n "$stack" ]] || die "--stack is required (dr or prod; restore dr first)"
[[ -n "$bucket" ]] || die "--bucket is required (the dr stack's archiveBucketName output)"
[[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--stack $stack: expected a short stack name such as prod"
pulumi_stack="${pulumi_stack:-$stack}"
command -v pulumi >/dev/null || die "the pulumi CLI is not on PATH"
command -v sha256sum >/dev/null || die "sha256sum is not on PATH"

python="${root}/.venv/bin/python"
[[ -x "$python" ]] || python="python3"

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
export_file="${workdir}/${stack}.json"

fetch=("$python" -m failsafe.ops fetch --stack "$stack" --archive-bucket "$bucket" --output json --out "$export_file")
[[ -n "$profile" ]] && fetch+=(--profile "$profile")
echo "== fetching the newest valid archive of ${stack} from s3://${bucket}/${stack}/"
summary="$(cd "$root" && PYTHONPATH="$root" "${fetch[@]}")" || die "fetch failed (see above)"
echo "$summary"

recorded="$("$python" -c 'import json, sys; print(json.load(sys.stdin)["sha256"])' <<<"$summary")"
actual="$(sha256sum "$export_file" | cut -d' ' -f1)"
[[ "$recorded" == "$actual" ]] || die "checksum mismatch after download: recorded ${recorded}, file ${actual}"
echo "== sha256 verified: ${actual}"

if [[ -n "$keep" ]]; then
  cp "$export_file" "$keep"
  echo "== kept a copy at ${keep}"
fi

if [[ "$yes" != "yes" ]]; then
  read -r -p "Import this state into stack ${pulumi_stack}? This replaces its current state. [y/N] " answer
  [[ "$answer" == "y" || "$answer" == "Y" ]] || die "not confirmed; nothing imported"
fi

echo "== pulumi stack import --stack ${pulumi_stack}"
pulumi stack select --create "$pulumi_stack" --non-interactive
pulumi stack import --stack "$pulumi_stack" --file "$export_file"
echo "== imported. Next: pulumi refresh --stack ${pulumi_stack} (compare state with reality), then pulumi up."
