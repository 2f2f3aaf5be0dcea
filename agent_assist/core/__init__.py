"""The call core: one call from audio to events, the same code for files and live input.

* ``CallSession`` (``session``): feed audio per role, events out, ``finish`` → summary;
* ``SpeechStream`` (``speech``): half (a), audio → transcribed utterances;
* ``CallEngine`` (``agent_assist.engine``): half (b), transcribed utterance → scored events;
* ``CallPolicy`` / ``policy_for`` (``policy``): what differs between a file and a sound card;
* ``Models`` / ``ModelCache`` / ``load_models`` (``models``): the process's models.

Threads, queues and devices live in the drivers (``agent_assist.live``, ``pipeline``).
"""

from agent_assist.core.models import ModelCache, ModelLoader, Models, load_models, playbook_path
from agent_assist.core.policy import CallPolicy, policy_for
from agent_assist.core.session import CallSession, SessionStats, new_engine
from agent_assist.core.speech import SpeechStats, SpeechStream, new_segmenter, transcribe
from agent_assist.engine import CallEngine

__all__ = [
    "CallEngine",
    "CallPolicy",
    "CallSession",
    "ModelCache",
    "ModelLoader",
    "Models",
    "SessionStats",
    "SpeechStats",
    "SpeechStream",
    "load_models",
    "new_engine",
    "new_segmenter",
    "playbook_path",
    "policy_for",
    "transcribe",
]
