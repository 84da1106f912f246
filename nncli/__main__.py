"""The ``nncli`` command (console script and ``python -m nncli``): a Ctrl-C before the command
line has loaded (numpy, Typer and Rich take a tenth of a second) exits 130 without a traceback.

Only the standard library is imported here; the command line itself is imported inside
``main``, where the interrupt can be caught.
"""

import sys
from typing import NoReturn

INTERRUPTED = 130
"""Exit status after Ctrl-C (SIGINT): 128 + 2, as a shell reports it."""


def main() -> NoReturn:
    """Load the command line and run it; exit 130, quietly, if interrupted while loading."""
    try:
        from nncli.cli import main as run  # numpy, Typer, Rich: the start-up time is spent here
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
    try:
        run()
    except KeyboardInterrupt:  # outside a command (a command's own says "Error: interrupted")
        sys.exit(INTERRUPTED)


if __name__ == "__main__":
    main()
