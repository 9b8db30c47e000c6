"""Serve convplay the way ``make run`` and the container do: uvicorn with the server's guards.

    python -m app.serve [uvicorn options]        # e.g. --host 0.0.0.0 --port 8000 --workers 4

It reads the connection settings from :class:`app.settings.Settings` (``CONVPLAY_*``) and
starts uvicorn with them: keep-alive and graceful-shutdown timeouts, the connection cap,
the header size, and the protocol of :mod:`app.protocol` (header deadline, hard cap, prompt
shutdown), which uvicorn's command line cannot select. Any uvicorn option may follow and
wins over these defaults, except ``--http``.
"""

from __future__ import annotations

import logging
import resource
import sys
from collections.abc import Sequence

import click
from uvicorn.main import main as uvicorn_command

from app.settings import Settings

PROTOCOL = "app.protocol:GuardedH11Protocol"
#: File descriptors kept free for what is not a client connection (the listening socket,
#: logs, the libraries' own files).
FD_RESERVE = 64

logger = logging.getLogger("convplay.serve")


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard one; return the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def uvicorn_args(settings: Settings, open_files: int) -> list[str]:
    """uvicorn's command line for these settings (the connection cap fits the fd limit).

    uvicorn's ``--limit-concurrency`` is one more than the connections allowed: uvicorn
    refuses requests once the count *reaches* it, the protocol refuses connections first.

    >>> args = uvicorn_args(Settings(max_connections=512), open_files=1024)
    >>> args[args.index("--limit-concurrency") + 1]
    '513'
    >>> args = uvicorn_args(Settings(max_connections=512), open_files=256)
    >>> args[args.index("--limit-concurrency") + 1]
    '193'
    """
    connections = max(1, min(settings.max_connections, open_files - FD_RESERVE))
    return [
        "app.main:create_app",
        "--factory",
        "--timeout-keep-alive",
        str(settings.keep_alive_timeout),
        "--timeout-graceful-shutdown",
        str(settings.shutdown_timeout),
        "--limit-concurrency",
        str(connections + 1),
        "--h11-max-incomplete-event-size",
        str(settings.max_header_bytes),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Parse uvicorn's options after ours, then run uvicorn with the guarded protocol."""
    settings = Settings()
    args = [*uvicorn_args(settings, raise_open_file_limit()), *(argv or sys.argv[1:])]
    try:
        with uvicorn_command.make_context("python -m app.serve", args) as context:
            context.params["http"] = PROTOCOL
            context.invoke(uvicorn_command.callback, **context.params)  # type: ignore[arg-type]
    except click.exceptions.Exit as done:  # --help, --version
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
