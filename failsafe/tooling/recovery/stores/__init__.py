"""Store kinds of the recovery model, one module each; :mod:`.base` holds the registry (failsafe/tooling/recovery)."""
