"""The ``jiancha`` command line: parse, call the core, format the result, translate errors.

The only package that prints or exits; one module per command group. Heavy libraries are
imported inside the commands so that ``jiancha --help`` stays instant.
"""

from __future__ import annotations

import atexit
import gc
import sys

import click

from ..errors import JianchaError, describe_os_error
from .app import cli  # its commands are imported on first use (app.COMMAND_MODULES)
from .i18n import localize

localize(cli)  # the root's own help; each command is localized when it is loaded

__all__ = ["cli", "main"]


INTERRUPTED = "已中断。已写好的文件完整保留，未写完的不会留下半个文件。"


# -- entry point -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every JianchaError becomes a Chinese message and its exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    # Python's shutdown runs the cycle collector over every object still alive (the search
    # index, the weights: 40–100 ms of a 0.3 s search); freezing them first skips that walk.
    # Nothing is lost: the objects are still freed, and atexit work (temporary folders) runs first.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        code = cli.main(args=argv, prog_name="jiancha", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)  # a command that ended with click's Exit (not standalone: returned)
    except click.exceptions.Abort as e:
        # click turns Ctrl-C into Abort
        click.echo(INTERRUPTED if isinstance(e.__context__, KeyboardInterrupt) else "已中止。", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except JianchaError as e:
        if debug:
            raise
        click.echo(f"错误：{_printable(e.message)}", err=True)
        if e.hint:
            click.echo(f"提示：{_printable(e.hint)}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo(INTERRUPTED, err=True)
        sys.exit(130)
    except OSError as e:  # a file the core did not wrap: still said in Chinese, with its cause
        if debug:
            raise
        click.echo(f"错误：无法读写文件：{_printable(describe_os_error(e))}", err=True)
        sys.exit(1)
    except Exception as e:  # the last line of defence: no traceback reaches a user
        if debug:
            raise
        click.echo(
            f"内部错误：{type(e).__name__}: {e}。请加 --debug 重新运行并把输出发给维护人员。", err=True
        )
        sys.exit(3)


def _printable(text: str) -> str:
    """A message never fails to print: a lone surrogate (from a file name or an input value)
    is shown as �."""
    return text.encode("utf-8", errors="replace").decode("utf-8")


if __name__ == "__main__":
    main()
