"""Training scripts for the sentiment model (not shipped)."""

import agent_assist  # noqa: F401  (first: turns onnxruntime telemetry off before it loads)
