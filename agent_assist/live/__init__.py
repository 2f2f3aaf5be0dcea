"""Drivers of the call core for audio that arrives over time: threads, queues, devices.

* ``feeds``: ``LiveFeed`` (sound devices: the audio callback only copies into a bounded
  queue) and ``FileFeed`` (a call file, paced like a live call or as fast as it can);
* ``worker``: ``PipelineWorker`` runs one ``core.CallSession`` over a feed on one thread, with
  the ``LagPolicy`` (no captions, then dropped audio, when it falls behind);
* ``runners``: ``LiveRunner`` and ``FileReplayRunner`` (``contracts.Runner``) run a worker on a
  thread of their own, with caption drafts on a second one (``captions.CaptionThread``) so that
  finals never wait for them; ``stats()`` gives a ``RunnerStats`` snapshot.

The per-call logic (segmentation, decoding, scoring) is the core's: see ``agent_assist.core``.
"""

from agent_assist.live.feeds import Feed, FileFeed, LiveFeed
from agent_assist.live.runners import FileReplayRunner, LiveRunner, default_sources, role_device
from agent_assist.live.worker import LagPolicy, PipelineWorker, RunnerStats, WorkerStats

__all__ = [
    "Feed",
    "FileFeed",
    "FileReplayRunner",
    "LagPolicy",
    "LiveFeed",
    "LiveRunner",
    "PipelineWorker",
    "RunnerStats",
    "WorkerStats",
    "default_sources",
    "role_device",
]
