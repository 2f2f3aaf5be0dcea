import os

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("AGENT_ASSIST_SYSTEM_CONFIG", "/nonexistent/agent-assist/config.toml")

# Tests judge behaviour, not wall time: hypothesis' default 200 ms deadline fails examples that
# merely ran while the 2 shared cores were busy. Every property test inherits this profile
# (the fuzz suite judges hangs with its own ``no_hang`` timer).
settings.register_profile("agent-assist", deadline=None)
settings.load_profile("agent-assist")
