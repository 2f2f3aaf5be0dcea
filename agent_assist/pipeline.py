"""Recorded calls: one file through the call core, as fast as it can, in bounded memory.

``analyze_call`` streams a call file block by block into a ``core.CallSession`` with the file
policy (``core.policy_for(config, live=False)``). The models (``Models``, ``ModelCache``,
``load_models``) live in ``agent_assist.core.models`` and are importable from here too; the
paced replay of a file for the GUI's demo is ``agent_assist.live.FileReplayRunner``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from agent_assist.config import Config
from agent_assist.core import CallSession, policy_for
from agent_assist.core.models import (
    ModelCache,
    ModelLoader,
    Models,
    VadFactory,
    load_models,
    playbook_path,
)
from agent_assist.core.speech import new_segmenter
from agent_assist.events import CallSummary, EventSink, Speaker

log = logging.getLogger(__name__)

__all__ = [
    "ModelCache",
    "ModelLoader",
    "Models",
    "VadFactory",
    "analyze_call",
    "load_models",
    "load_tracks",
    "new_segmenter",
    "playbook_path",
]


def load_tracks(path: Path, config: Config) -> dict[Speaker, np.ndarray]:
    """The whole call decoded in memory (the demo replay plays it); ``analyze_call`` streams."""
    from agent_assist.audio.files import load_call

    return load_call(path, stereo_left=config.audio.stereo_left, mono_role=config.audio.mono_role)


def analyze_call(path: Path, models: Models, config: Config, on_event: EventSink) -> CallSummary:
    """Run one recorded call through the call core; events go to ``on_event`` in time order.

    The file is streamed: memory does not grow with the call's length. Two-channel calls also
    get the crosstalk gate (agent-channel speech that is only the customer heard again is
    dropped) and, if ``privacy.voice_cues``, voice cues per utterance. A one-channel call is
    analysed by speaker (``agent_assist.speakers.mono``) unless ``speakers.separate`` is off.
    """
    from agent_assist.audio.files import open_call

    call = open_call(path, stereo_left=config.audio.stereo_left, mono_role=config.audio.mono_role)
    if len(call.roles) == 1 and config.speakers.separate:
        from agent_assist.speakers.mono import analyze_mono, mono_settings

        return analyze_mono(call, models, config, on_event, mono_settings(config), path.stem)
    session = CallSession(
        models,
        config,
        policy_for(config, live=False),
        on_event,
        roles=call.roles,
        call_name=path.stem,
    )
    for block in call.blocks():
        for role, samples in block.items():
            session.feed(role, samples)
    summary = session.finish()
    gate = session.speech.gate
    if gate is not None:
        log.debug("%s: %d utterance(s) gated as crosstalk", path.name, gate.gated)
    return summary
