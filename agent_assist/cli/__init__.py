"""The ``agent-assist`` command line: one module per command group.

``entry`` builds the parser, loads the config once (command-line flags as its last, recorded
layer) and hands the ``LoadedConfig`` to the chosen command; ``shared`` holds what every command
uses. This package never imports PySide6: the GUI is imported only when it is asked for.
"""

from agent_assist.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
