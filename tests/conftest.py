import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("AGENT_ASSIST_SYSTEM_CONFIG", "/nonexistent/agent-assist/config.toml")
