"""agent-assist: an offline agent-assist overlay for contact-center agents."""

import logging
import os
import sys

__version__ = "0.1.0"

# onnxruntime starts its native telemetry when it is imported: a device id and queued events
# under ~/.cache/Microsoft, then DNS lookups of mobile.events.data.microsoft.com every few
# seconds. Only this variable, set before the import, stops it. It is forced (a user
# environment must not turn it back on) here, before any submodule imports onnxruntime, so
# every entry point and every worker process (which imports agent_assist first) inherits it.
# The Hugging Face client inside faster-whisper is kept off the network the same way.
TELEMETRY_OFF = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
}
os.environ.update(TELEMETRY_OFF)

# numpy's OpenBLAS starts a thread per core and lets them spin between calls. The matrix
# products here are small (filterbanks, clustering) and gain nothing from them, while the
# spinning doubled the CPU time of the speaker embeddings on 2 cores (bench/speaker_embed.py).
# One thread unless the environment says otherwise; it must be set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "numpy" in sys.modules:
    logging.getLogger(__name__).debug("numpy was imported before agent_assist: BLAS threads kept")

if "onnxruntime" in sys.modules:
    logging.getLogger(__name__).warning(
        "onnxruntime was imported before agent_assist: its telemetry may be running; "
        "set ORT_DISABLE_TELEMETRY=1 in the environment or import agent_assist first"
    )
