"""How a call is heard: the one place where a file and a sound card differ.

``policy_for(config, live)`` picks the policy; ``CallSession`` runs the same code either way.

==================  ==========================  ======================================
setting             file (analyze, fast replay)  live (listen, overlay, ``--demo``)
==================  ==========================  ======================================
clock               none: no latency figures     wall clock: ``Latency`` per utterance
final decoder       ``models.transcriber``       ``models.live_transcriber``
                    (``asr.beam``, 30 s window)  (``asr.live_beam_size``, ``live_window_s``)
decode scheduling   packed: an utterance waits   one at a time, as soon as it ends; early
                    up to ``hold_s`` for others  finals start at ``SpeechEnding``
                    to share one 30 s window
release order       start order across roles     as each utterance ends
caption drafts      none                         every ``asr.partial_interval_s``
crosstalk gate      after ``gate_delay_s`` of    at once (the other channel is read in
                    the other channel            step)
a stage that raises fails the call               costs that utterance (``recovering``)
==================  ==========================  ======================================

The same in both: segmentation (``vad``), the crosstalk gate on two-channel input, voice cues
(``privacy.voice_cues``; see ``session.CallSession``), guidance ticks every ``TICK_S`` of call
time up to the scored horizon, sentiment, mood, guidance and the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_assist.config import Config

TICK_S = 0.5
"""Call time between two guidance ticks (silence and hold rules)."""
GATE_DELAY_S = 0.1
"""File input: audio read past an utterance's end before the crosstalk gate judges it."""
HOLD_S = 60.0
"""File input: call time an undecoded utterance may wait for others to pack with."""


@dataclass(frozen=True)
class CallPolicy:
    """What differs between a recorded file and live input; everything else is shared."""

    name: str
    clock: bool
    """Map call time to a wall clock and report ``Latency`` for each utterance."""
    live_decoder: bool
    """Decode finals with ``models.live_transcriber`` (greedy, short encoder window)."""
    packed: bool
    """Hold utterances (up to ``hold_s``) and decode them together in packed windows."""
    start_order: bool
    """Release scored utterances in start order across roles (else as each one ends)."""
    early_finals: bool
    """Start decoding an utterance at ``SpeechEnding``, while the VAD hangover runs."""
    captions_every_s: float | None
    """Caption drafts while someone speaks, this often; None: no drafts."""
    gate_delay_s: float
    """Audio of the other channel read past an utterance's end before the gate judges it."""
    contain_faults: bool
    """A stage that raises costs its utterance (``PipelineStatus("recovering")``)."""
    hold_s: float = HOLD_S
    tick_s: float = TICK_S


def policy_for(config: Config, live: bool) -> CallPolicy:
    """The policy of a recorded file (``live=False``) or of live / paced input."""
    if live:
        return CallPolicy(
            name="live",
            clock=True,
            live_decoder=True,
            packed=False,
            start_order=False,
            early_finals=True,
            captions_every_s=config.asr.partial_interval_s,
            gate_delay_s=0.0,
            contain_faults=True,
        )
    return CallPolicy(
        name="file",
        clock=False,
        live_decoder=False,
        packed=True,
        start_order=True,
        early_finals=False,
        captions_every_s=None,
        gate_delay_s=GATE_DELAY_S,
        contain_faults=False,
    )
