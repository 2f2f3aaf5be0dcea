# PyInstaller runtime hook, run before any import: the frozen app never talks to a model hub
# and onnxruntime's native telemetry stays off (it starts at import time; only this variable,
# set before the import, stops it). Forced, so the user's environment cannot turn it back on.
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
