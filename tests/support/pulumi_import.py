"""The ``pulumi import --file`` document's shape, shared by the capture tests (classic and generic)."""

from __future__ import annotations

from typing import Any

# Written from the docs' table of the bulk import file ("Importing resources" guide, section "Bulk Import
# Operations": https://www.pulumi.com/docs/iac/guides/migration/import/#bulk-import-operations) and checked against
# the CLI's own struct (pulumi/pulumi pkg/cmd/pulumi/operations/import.go, importFile/importSpec).
IMPORT_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["resources"],
    "additionalProperties": False,
    "properties": {
        "nameTable": {
            "type": "object",
            "description": "in-language names of parents and providers -> their URNs",
            "additionalProperties": {"type": "string", "pattern": r"^urn:pulumi:[^:]+::[^:]+::.+::.+$"},
        },
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["type", "name", "id"],  # id is required unless component is true (never here)
                "additionalProperties": False,
                "properties": {
                    "type": {"type": "string", "pattern": r"^[a-z0-9-]+:[a-z0-9]+/[a-zA-Z0-9]+:[A-Z][A-Za-z0-9]*$"},
                    "name": {"type": "string", "minLength": 1},
                    "id": {"type": "string", "minLength": 1},
                    "logicalName": {"type": "string"},
                    "parent": {"type": "string"},
                    "provider": {"type": "string"},
                    "version": {"type": "string"},
                    "properties": {"type": "array", "items": {"type": "string"}},
                    "component": {"const": False},
                    "remote": {"const": False},
                },
            },
        },
    },
}
