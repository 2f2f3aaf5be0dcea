"""core.policy: the one place where a file and live input differ."""

from __future__ import annotations

from agent_assist.config import Config
from agent_assist.core import policy_for


def test_a_file_is_packed_in_start_order_without_clock_captions_or_early_finals() -> None:
    policy = policy_for(Config(), live=False)
    assert policy.name == "file"
    assert policy.packed and policy.start_order and not policy.clock
    assert policy.captions_every_s is None and not policy.early_finals
    assert not policy.live_decoder and not policy.contain_faults


def test_live_input_decodes_each_utterance_at_once_with_captions_at_the_configured_pace() -> None:
    config = Config.model_validate({"asr": {"partial_interval_s": 0.7}})
    policy = policy_for(config, live=True)
    assert policy.name == "live"
    assert policy.clock and policy.early_finals and policy.live_decoder
    assert not policy.packed and not policy.start_order
    assert policy.captions_every_s == 0.7 and policy.contain_faults


def test_both_tick_guidance_at_the_same_cadence() -> None:
    config = Config()
    assert policy_for(config, live=False).tick_s == policy_for(config, live=True).tick_s == 0.5
