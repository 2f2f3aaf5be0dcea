"""PyInstaller entry script: the same entry point as the installed ``agent-assist`` command."""

from agent_assist.__main__ import main

if __name__ == "__main__":
    main()
