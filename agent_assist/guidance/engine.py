"""The guidance engine: playbook rules -> suggestions, deterministic, driven by event times.

``observe`` reacts to ``TranscriptFinal``, ``MoodUpdate`` and ``VoiceCues`` (and notes speech
activity from ``TranscriptPartial``); ``tick`` fires the time-based rules (silence, hold).
All times are the events' own (seconds from the start of the call), never the wall clock, so
the same events always give the same suggestions.

Sensitivity ``s`` (config) scales thresholds, higher firing more easily: sentiment / mood
thresholds and loudness dB are divided by ``s``; seconds (silence, talk-over) are divided
by ``s``; counts are divided by ``s`` and rounded up; talk-share and speaking-rate limits move
toward their normal value (50 %, 150 wpm) by the factor ``1 / s``. Cooldowns are not scaled.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from agent_assist.config import GuidanceConfig
from agent_assist.events import (
    Event,
    EventVisitor,
    Evidence,
    MoodUpdate,
    Speaker,
    Suggestion,
    TranscriptFinal,
    TranscriptPartial,
    VoiceCues,
    dispatch,
)
from agent_assist.guidance.playbook import (
    LoudnessTrigger,
    PhraseTrigger,
    Playbook,
    RepeatedNegativeTrigger,
    Rule,
    SentimentTrigger,
    SilenceTrigger,
    SpeakingRateTrigger,
    TalkOverTrigger,
    TalkShareTrigger,
    TrendTrigger,
)
from agent_assist.guidance.text import Phrase, Tokens, compile_phrase, normalize

log = logging.getLogger(__name__)

NORMAL_TALK_SHARE = 0.5
NORMAL_WPM = 150.0
HISTORY_S = 3600.0
"""How far back utterances and cues are kept (the longest window a rule may use)."""

Candidate = tuple[int, Rule, tuple[Evidence, ...]]


@dataclass(frozen=True)
class _Said:
    speaker: Speaker
    start: float
    end: float
    text: str
    negative: bool


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class GuidanceEngine:
    """Applies a playbook to the engine's events. Satisfies ``contracts.Guidance``."""

    def __init__(self, playbook: Playbook, config: GuidanceConfig) -> None:
        self.playbook = playbook
        self.config = config
        self._rules = tuple(enumerate(r for r in playbook.rules if r.enabled))
        self._phrases: dict[str, tuple[Phrase, ...]] = {
            rule.id: rule.trigger.compiled()
            for _, rule in self._rules
            if isinstance(rule.trigger, PhraseTrigger)
        }
        self._hold_phrases = tuple(compile_phrase(p) for p in playbook.hold_phrases)
        self._observer = _Observer(self)
        self.reset()

    def reset(self) -> None:
        """Forget the call so far (cooldowns, history, hold state)."""
        self._last_fired: dict[str, float] = {}
        self._said: deque[_Said] = deque()
        self._talk_over: deque[tuple[float, Speaker, float]] = deque()
        self._last_speech: float | None = None
        self._hold_words: str | None = None
        """The agent's words that started the current hold, if on hold."""

    # -- public API ---------------------------------------------------------------------

    def observe(self, event: Event) -> list[Suggestion]:
        """Feed one event; return the suggestions it fires, most urgent first."""
        return dispatch(event, self._observer)

    def tick(self, now: float) -> list[Suggestion]:
        """Time passed with no event: fire the silence / hold rules that are due."""
        if self._last_speech is None or now <= self._last_speech:
            return []
        silent = now - self._last_speech
        found: list[Candidate] = []
        for order, rule in self._rules:
            trigger = rule.trigger
            if not isinstance(trigger, SilenceTrigger):
                continue
            on_hold = self._hold_words is not None
            if (trigger.during == "hold" and not on_hold) or (
                trigger.during == "not_hold" and on_hold
            ):
                continue
            if silent >= trigger.after_s / self._s:
                found.append((order, rule, (self._silence_evidence(silent, now),)))
        return self._emit(found, now)

    def mark_speech(self, time: float) -> None:
        """Someone is speaking at ``time`` (for pipelines that know before the transcript)."""
        if self._last_speech is None or time > self._last_speech:
            self._last_speech = time

    # -- event handlers -----------------------------------------------------------------

    @property
    def _s(self) -> float:
        return self.config.sensitivity

    def _reliable(self, event: TranscriptFinal) -> bool:
        return event.reliable and event.confidence >= self.config.min_confidence

    def _on_transcript(self, event: TranscriptFinal) -> list[Candidate]:
        self.mark_speech(event.end)
        reliable = self._reliable(event)
        negative = reliable and event.sentiment is not None and event.sentiment.label == "negative"
        self._remember(_Said(event.speaker, event.start, event.end, event.text, negative))
        if not reliable:
            log.debug("unreliable %s utterance at %.1f s: no rules", event.speaker, event.start)
            return []
        tokens = normalize(event.text)
        if event.speaker == "agent":
            self._update_hold(tokens)
        found: list[Candidate] = []
        for order, rule in self._rules:
            evidence = self._check_transcript(rule, event, tokens)
            if evidence:
                found.append((order, rule, evidence))
        return found

    def _check_transcript(
        self, rule: Rule, event: TranscriptFinal, tokens: Tokens
    ) -> tuple[Evidence, ...]:
        trigger = rule.trigger
        if isinstance(trigger, PhraseTrigger):
            if trigger.speaker in ("any", event.speaker):
                return self._phrase_evidence(self._phrases[rule.id], tokens, event)
        elif isinstance(trigger, SentimentTrigger):
            if trigger.source != "mood" and trigger.speaker == event.speaker:
                return self._utterance_sentiment(trigger, event)
        elif isinstance(trigger, RepeatedNegativeTrigger):
            if trigger.speaker == event.speaker:
                return self._repeated_negative(trigger, event)
        elif isinstance(trigger, TalkShareTrigger) and trigger.speaker == event.speaker:
            return self._talk_share(trigger, event)
        return ()

    def _on_mood(self, event: MoodUpdate) -> list[Candidate]:
        if event.uncertain:
            return []
        found: list[Candidate] = []
        for order, rule in self._rules:
            trigger = rule.trigger
            hit = False
            if isinstance(trigger, SentimentTrigger) and trigger.source != "utterance":
                hit = trigger.speaker == event.speaker and self._level_hit(
                    trigger, event.score, event.label
                )
            elif isinstance(trigger, TrendTrigger):
                hit = trigger.speaker == event.speaker and self._trend_hit(trigger, event)
            if hit:
                detail = f"{event.speaker} mood {event.score:+.2f} ({event.label}, {event.trend})"
                kind = "trend" if isinstance(trigger, TrendTrigger) else "mood"
                found.append((order, rule, (Evidence(kind, detail, event.time, event.speaker),)))
        return found

    def _on_cues(self, event: VoiceCues) -> list[Candidate]:
        if event.words_per_minute:
            self.mark_speech(event.time)
        if event.talk_over_s > 0:
            self._talk_over.append((event.time, event.speaker, event.talk_over_s))
        while self._talk_over and self._talk_over[0][0] < event.time - HISTORY_S:
            self._talk_over.popleft()
        found: list[Candidate] = []
        for order, rule in self._rules:
            evidence = self._check_cues(rule.trigger, event)
            if evidence is not None:
                found.append((order, rule, (evidence,)))
        return found

    def _check_cues(self, trigger: object, event: VoiceCues) -> Evidence | None:
        speaker = event.speaker
        if isinstance(trigger, SpeakingRateTrigger) and trigger.speaker == speaker:
            wpm = event.words_per_minute
            limit = NORMAL_WPM + (trigger.above - NORMAL_WPM) / self._s
            if wpm is not None and wpm > limit:
                return Evidence(
                    "speaking_rate", f"{speaker} at {wpm:.0f} words/min", event.time, speaker
                )
        elif isinstance(trigger, TalkOverTrigger) and trigger.speaker == speaker:
            if event.talk_over_s <= 0:
                return None
            since = event.time - trigger.window_s
            total = sum(s for t, who, s in self._talk_over if who == speaker and t >= since)
            if total >= trigger.min_s / self._s:
                detail = f"{speaker} talked over for {total:.1f} s in {trigger.window_s:.0f} s"
                return Evidence("talk_over", detail, event.time, speaker)
        elif isinstance(trigger, LoudnessTrigger) and trigger.speaker == speaker:
            loud = event.loudness_vs_baseline_db
            if loud is not None and loud > trigger.above_db / self._s:
                return Evidence(
                    "loudness", f"{speaker} {loud:+.1f} dB above usual", event.time, speaker
                )
        return None

    # -- rule checks ----------------------------------------------------------------------

    def _level_hit(self, trigger: SentimentTrigger, value: float, label: str) -> bool:
        if trigger.label is not None and label != trigger.label:
            return False
        return trigger.below is None or value < trigger.below / self._s

    def _trend_hit(self, trigger: TrendTrigger, event: MoodUpdate) -> bool:
        if event.trend != trigger.trend:
            return False
        if trigger.below is not None and not event.score < trigger.below / self._s:
            return False
        return trigger.above is None or event.score > trigger.above / self._s

    def _utterance_sentiment(
        self, trigger: SentimentTrigger, event: TranscriptFinal
    ) -> tuple[Evidence, ...]:
        sentiment = event.sentiment
        if sentiment is None or not self._level_hit(trigger, sentiment.valence, sentiment.label):
            return ()
        detail = f"{_quote(event.text)} ({sentiment.label}, {sentiment.valence:+.2f})"
        return (Evidence("sentiment", detail, event.start, event.speaker),)

    def _phrase_evidence(
        self, phrases: Iterable[Phrase], tokens: Tokens, event: TranscriptFinal
    ) -> tuple[Evidence, ...]:
        for phrase in phrases:
            span = phrase.search(tokens)
            if span is not None:
                detail = tokens.excerpt(*span)
                return (Evidence("phrase", detail, event.start, event.speaker),)
        return ()

    def _repeated_negative(
        self, trigger: RepeatedNegativeTrigger, event: TranscriptFinal
    ) -> tuple[Evidence, ...]:
        if not self._said or not self._said[-1].negative:
            return ()
        since = event.end - trigger.window_s
        hits = [
            s for s in self._said if s.speaker == event.speaker and s.negative and s.end >= since
        ]
        needed = max(1, math.ceil(round(trigger.count / self._s, 6)))
        if len(hits) < needed:
            return ()
        return tuple(
            Evidence("repeated_negative", _quote(s.text), s.start, s.speaker)
            for s in hits[-needed:]
        )

    def _talk_share(
        self, trigger: TalkShareTrigger, event: TranscriptFinal
    ) -> tuple[Evidence, ...]:
        since = event.end - trigger.window_s
        mine = other = 0.0
        for said in self._said:
            overlap = max(0.0, said.end - max(said.start, since))
            if said.speaker == trigger.speaker:
                mine += overlap
            else:
                other += overlap
        total = mine + other
        limit = NORMAL_TALK_SHARE + (trigger.above - NORMAL_TALK_SHARE) / self._s
        if total <= 0 or total < trigger.min_speech_s or mine / total <= limit:
            return ()
        detail = f"{trigger.speaker} talked {mine / total:.0%} of the last {trigger.window_s:.0f} s"
        return (Evidence("talk_share", detail, event.end, trigger.speaker),)

    def _silence_evidence(self, silent: float, now: float) -> Evidence:
        if self._hold_words is not None:
            detail = f"on hold ({self._hold_words}), no speech for {silent:.0f} s"
            return Evidence("hold", detail, now, None)
        return Evidence("silence", f"no speech for {silent:.0f} s", now, None)

    # -- state ------------------------------------------------------------------------

    def _remember(self, said: _Said) -> None:
        self._said.append(said)
        while self._said and self._said[0].end < said.end - HISTORY_S:
            self._said.popleft()

    def _update_hold(self, tokens: Tokens) -> None:
        """An agent utterance with a hold phrase starts a hold; one without ends it."""
        for phrase in self._hold_phrases:
            span = phrase.search(tokens)
            if span is not None:
                self._hold_words = tokens.excerpt(*span, context=0)
                return
        self._hold_words = None

    def _emit(self, found: list[Candidate], time: float) -> list[Suggestion]:
        if not self.config.enabled:
            return []
        out: list[Suggestion] = []
        for _, rule, evidence in sorted(found, key=lambda c: (-c[1].priority, c[0])):
            last = self._last_fired.get(rule.id)
            if last is not None and time - last < rule.cooldown_s:
                continue
            self._last_fired[rule.id] = time
            out.append(Suggestion(rule.id, rule.title, rule.prompt, rule.priority, time, evidence))
            # Never log evidence details: they hold transcript text.
            log.debug("suggestion %s at %.1f s (%s)", rule.id, time, evidence[0].kind)
        return out


class _Observer(EventVisitor[list[Suggestion]]):
    """What each event type means to the guidance engine."""

    def __init__(self, engine: GuidanceEngine) -> None:
        self.engine = engine

    def other(self, event: Event) -> list[Suggestion]:
        return []

    def on_final(self, event: TranscriptFinal) -> list[Suggestion]:
        return self.engine._emit(self.engine._on_transcript(event), event.end)

    def on_mood(self, event: MoodUpdate) -> list[Suggestion]:
        return self.engine._emit(self.engine._on_mood(event), event.time)

    def on_cues(self, event: VoiceCues) -> list[Suggestion]:
        return self.engine._emit(self.engine._on_cues(event), event.time)

    def on_partial(self, event: TranscriptPartial) -> list[Suggestion]:
        self.engine.mark_speech(event.end)
        return []
