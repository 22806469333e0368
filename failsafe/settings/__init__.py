"""Stack settings, shared by every job: the stack files read as the Pulumi CLI reads them, and the config validated
once into frozen typed objects. Pure Python (no pulumi): the program, the tooling and the operator tools all read
config through here."""
