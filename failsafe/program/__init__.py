"""The deployed Pulumi program: config (validated once), stack files read as the CLI reads them, providers, and
the mapping of config onto component args. Imports the component library; never the tooling or operations."""
