"""The one error type components raise for bad arguments."""


class ComponentArgsError(ValueError):
    """Bad component arguments, raised at construction before any child exists.

    The message names the argument, the value and what is expected; ``__main__.py`` turns it into
    ``pulumi.RunError`` so the user sees one line and no traceback.
    """
