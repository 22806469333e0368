"""failsafe: shared building blocks of the Pulumi program (config, providers, helpers) and its tooling."""
