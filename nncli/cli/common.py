"""What the commands share: the error handler, the options declared once, numbers typed as
option values, the consoles."""

import functools
import io
import os
import signal
import sys
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, NoReturn, Optional, TypeVar

import typer
from typer.core import TyperGroup

from nncli.data import FORMATS
from nncli.errors import InputError, NncliError
from nncli.inputs import NncliWarning
from nncli.rows import parse_row

F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(fn: F) -> F:
    """Turn an NncliError into ``Error: <message>`` on stderr and exit code 1 (no traceback),
    and an NncliWarning into one ``Warning: <message>`` line on stderr (once per message)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default", NncliWarning)  # a warning, never an error, on the command line
                warnings.showwarning = _show_warning
                return fn(*args, **kwargs)
        except NncliError as err:
            fail(str(err))
        except KeyboardInterrupt:
            print("Error: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            quiet_stdout()
            raise typer.Exit(BROKEN_PIPE) from None
        except OSError as err:  # after BrokenPipeError, its subclass: a full disk, /dev/full, EIO
            fail(write_error(err))

    return wrapper  # type: ignore[return-value]


_show_other_warning = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """``Warning: <message>`` on one line for nncli's own warnings; others as Python shows them."""
    if issubclass(category, NncliWarning):
        one_line = " ".join(str(message).split("\n"))
        print(f"Warning: {one_line}", file=sys.stderr)
    else:
        _show_other_warning(message, category, filename, lineno, file, line)


BROKEN_PIPE = 141
"""Exit status when the reader of stdout went away (``nncli ... | head``): that of a process
ended by SIGPIPE (128 + 13), as other Unix tools give."""


def write_error(err: OSError) -> str:
    """The one-line message for an OSError no reader of nncli's turned into an NncliError: one
    while writing output (stdout has no file name)."""
    reason = err.strerror or str(err)
    return f"{err.filename}: {reason}" if err.filename else f"writing output: {reason}"


def quiet_stdout() -> None:
    """Point file descriptor 1 at /dev/null after a write to it failed with EPIPE, so that
    nothing else fails (Python's own flush at exit included): the remedy the Python docs give
    in their note on SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


# Click's base of usage errors, from the Click that Typer uses (its own copy since typer 0.28).
_CLICK_EXCEPTION = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


class OneLineErrors(TyperGroup):
    """The root command: a usage error (exit 2) is one ``Error: ...`` line and one hint line on
    stderr, as nncli's other errors, instead of Click's usage block or Rich's boxed panel.
    Help (``--help``) is drawn as before."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:  # not standalone: Click hands its exceptions and exit codes back here
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _CLICK_EXCEPTION as err:
            message = " ".join(err.format_message().split())
            if not message:  # `nncli` alone: the help, already shown, and exit 2 as before
                sys.exit(err.exit_code)
            print(f"Error: {message}", file=sys.stderr)
            context = getattr(err, "ctx", None)
            if context is not None and context.help_option_names:
                print(f"Try '{context.command_path} {context.help_option_names[0]}' for help.", file=sys.stderr)
            sys.exit(err.exit_code)
        except typer.Abort:  # end of input at a prompt
            print("Error: aborted", file=sys.stderr)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def run_quietly_on_closed_pipe(app: Callable[[], Any]) -> NoReturn:
    """Run ``app`` (a Click/Typer app in standalone mode, which ends by SystemExit) and exit
    with its status, or with BROKEN_PIPE and nothing on stderr if stdout's reader went away.

    The one place that turns a closed pipe into 141 for every command and format: Click
    (``--help``, ``--version``, usage) and Rich (tables) each catch EPIPE themselves and exit
    with 1, Click after wrapping sys.stdout in its PacifyFlushWrapper, Rich after pointing
    fd 1 at /dev/null; a command's own BrokenPipeError goes through ``handles_errors``; and
    output still buffered is flushed here rather than at interpreter exit.
    """
    before, stdout = _file_identity(1), sys.stdout
    failed_write = False
    try:
        app()
        code: Any = 0
    except SystemExit as exit_:
        code = exit_.code
    except BrokenPipeError:  # Click's own output (--help, --version) when Click did not catch it
        quiet_stdout()
        code = BROKEN_PIPE
    except OSError as err:  # writing Click's own output (--help, --version) to a full disk
        code, failed_write = _report_write_error(err, 0), True
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        code = BROKEN_PIPE
    except OSError as err:  # what was still buffered cannot be written: say so once
        code, failed_write = _report_write_error(err, code), True
    redirected = before is not None and _file_identity(1) != before  # only the EPIPE remedies move fd 1
    if (sys.stdout is not stdout or redirected) and not failed_write:  # Click swapped in its PacifyFlushWrapper
        code = BROKEN_PIPE
    sys.exit(code)


def exit_on_termination() -> None:
    """Make SIGTERM and SIGHUP end nncli as an exception (SystemExit with 128 + the signal's
    number: 143, 129), so that ``finally`` blocks run: an output file being written
    (``nncli.outfile.atomic_output``) has its temporary ``.NAME.XXXX.part`` removed."""
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, _raise_exit)


def _raise_exit(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(128 + signum)


def _report_write_error(err: OSError, code: Any) -> Any:
    """Point stdout at /dev/null (so the flush at exit does not fail again) and, unless the run
    already failed (``code`` not 0), print the error: the exit code to use."""
    quiet_stdout()
    if code not in (0, None):
        return code
    print(f"Error: {write_error(err)}", file=sys.stderr)
    return 1


def _file_identity(fd: int) -> tuple[int, int] | None:
    """(device, inode) of what ``fd`` is open on, None if it is closed."""
    try:
        status = os.fstat(fd)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``Error: message`` as one line on stderr and exit with ``code``."""
    one_line = " ".join(str(message).split("\n"))
    print(f"Error: {one_line}", file=sys.stderr)
    raise typer.Exit(code)


def refuse_overwrite(output: Path | str | None, option: str, inputs: dict[str, Path | str | None]) -> None:
    """InputError if the file ``output`` (the value of ``option``) already exists and is one of
    ``inputs`` (a description such as "the config" -> its path, None or - for none): writing
    it would replace a file the run reads."""
    if output is None or str(output) == "-":
        return
    for what, path in inputs.items():
        if path is not None and str(path) != "-" and _same_file(output, path):
            raise InputError(f"{option} {output} is {what}: the output would replace it")


def _same_file(a: Path | str, b: Path | str) -> bool:
    """Whether ``a`` and ``b`` both exist and are the same file (through links, ../ and symlinks)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


# Formats of input rows (--input-format, --labels-format): nncli.data's, so a new one is listed here by itself.
InputFormat = Enum("InputFormat", [(name, name) for name in FORMATS], type=str)  # type: ignore[misc]


class Dtype(str, Enum):
    float64 = "float64"
    float32 = "float32"


def stdout_console(width: int | None = None) -> Any:
    """A Rich console on stdout: colour only on a terminal and without NO_COLOR.

    When stdout is not a terminal, the padding Rich puts at the end of table lines is
    stripped, so piped output has no trailing spaces (and diffs cleanly).
    """
    file = None if sys.stdout.isatty() else _TrimmedLines(sys.stdout)
    return _console(file=file, width=width)


class _TrimmedLines:
    """A text stream that forwards whole lines to ``stream`` with trailing spaces removed."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending.rstrip(" "))
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8")


def stderr_console() -> Any:
    """A Rich console on stderr, for progress and messages."""
    return _console(stderr=True)


def text_console() -> Any:
    """A Rich console that records plain text 120 columns wide (for tables written with -o FILE)."""
    return _console(record=True, file=io.StringIO(), width=120, no_color=True)


def _console(**options: Any) -> Any:
    """A Rich console without highlighting; colour off when NO_COLOR is set."""
    from rich.console import Console  # Rich only when something is drawn: json/csv runs never import it

    options.setdefault("no_color", "NO_COLOR" in os.environ or None)
    return Console(highlight=False, **options)


def number(text: str, option: str) -> float:
    """The one number typed as ``option``'s value, read with the command line's number grammar
    (``nncli.rows``: ``1_000`` and ``0x10`` are refused, inf and nan allowed); InputError if not."""
    values = parse_row(text, option)
    if len(values) != 1:
        raise InputError(f"{option} {text!r}: expected one number, got {len(values)}")
    return values[0]


MAX_PRECISION = 17

# Options that several commands share, declared once.
ConfigArg = Annotated[
    Path, typer.Argument(help="The network's YAML config file.", show_default=False, metavar="CONFIG")
]
DtypeOpt = Annotated[
    Optional[Dtype], typer.Option("--dtype", help="Compute in float32 or float64 (overrides the config).")
]
PrecisionOpt = Annotated[
    Optional[int],
    typer.Option("--precision", metavar="N", min=0, max=MAX_PRECISION, help="Digits after the decimal point in tables."),
]
ComputeDtypeOpt = Annotated[Dtype, typer.Option("--dtype", help="Compute in float64 or float32.")]


class TableOrJson(str, Enum):
    table = "table"
    json = "json"


TableOrJsonOpt = Annotated[
    TableOrJson, typer.Option("--format", "-f", metavar="FORMAT", help="table (Rich tables) or json.")]
InputFormatOpt = Annotated[
    Optional[InputFormat],
    typer.Option("--input-format", metavar="FORMAT",
                 help=f"Format of --input-file: {', '.join(FORMATS)} (default: from its name, else its content)."),
]
KeyOpt = Annotated[Optional[str], typer.Option("--key", "-k", help="The array of an .npz (or member of JSON) to read.")]
HeaderOpt = Annotated[Optional[bool], typer.Option(
    "--header/--no-header", help="Whether a CSV/TSV file's first line is a header (default: when none of its values is a number).")]
DivideByOpt = Annotated[
    Optional[str],
    typer.Option("--divide-by", metavar="NUMBER", help="Divide every input value by this (overrides the config's preprocess.divide_by)."),
]
RowsOpt = Annotated[
    Optional[str], typer.Option("--rows", help="Only rows START:STOP (0-based, STOP excluded), e.g. 0:100.")
]
BatchSizeOpt = Annotated[
    int, typer.Option("--batch-size", min=1, help="Rows read at a time; memory grows with it, results do not.")
]
ShowWeightsOpt = Annotated[bool, typer.Option("--show-weights", help="Also show every layer's W and b.")]
SaveFigureOpt = Annotated[
    Optional[Path],
    typer.Option("--save-figure", metavar="FILE", dir_okay=False, show_default=False,
                 help="Draw a figure into FILE.png or FILE.svg (needs matplotlib, the plot extra)."),
]
_FORMAT_FILES = {"idx": "IDX (*-idx3-ubyte)"}  # how --help names a format's files; others: .FORMAT
INPUT_FILE_HELP = (
    f"Input rows from a file: {', '.join(_FORMAT_FILES.get(name, '.' + name) for name in FORMATS)}, "
    "any gzipped (.gz) but npz; - reads stdin; a directory or a quoted glob ('parts/*.npy') reads its "
    "files in name order as one input."
)
