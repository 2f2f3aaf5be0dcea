"""Entry point: ``agent-assist`` (GUI) and ``agent-assist COMMAND`` (headless)."""

from __future__ import annotations

import multiprocessing
import sys


def main() -> None:
    multiprocessing.freeze_support()
    from agent_assist.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
