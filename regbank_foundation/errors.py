"""The one error type every package raises for a problem the user can fix.

The CLI prints such an error as one message and a non-zero exit, never a traceback.
"""


class RegbankError(Exception):
    """A problem the user can fix; str(error) is the message to print."""

    exit_code = 2
