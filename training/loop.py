"""The training loop shared by the student and the teacher, with checkpoints that resume exactly.

A checkpoint holds the weights, the optimizer and scheduler state, the position in the epoch's
batch list (rebuilt from seeds on resume, so only the count of batches done is stored), the
torch random state (dropout) and the caller's own small state (best dev score so far). It is
written atomically every ``every_s`` seconds, at the end of every epoch and when SIGTERM/SIGINT
asks the run to stop, so a stopped run loses at most ``every_s`` of work.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from training.data import log

Batch = Sequence[Any]
CPU = torch.device("cpu")


def best_device() -> torch.device:
    """CUDA when torch sees a GPU, else the CPU."""
    return torch.device("cuda") if torch.cuda.is_available() else CPU


def autocast(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bf16 (fp16 where bf16 is missing) mixed precision on CUDA; plain fp32 on the CPU."""
    if device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast("cuda", dtype=dtype)


def grad_scaler(device: torch.device) -> torch.amp.GradScaler | None:
    """fp16 needs loss scaling; bf16 and fp32 do not."""
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.amp.GradScaler("cuda")
    return None


class CheckpointMismatch(SystemExit):
    """A checkpoint from another configuration: refused rather than silently mixed."""


class StopRequested(SystemExit):
    """SIGTERM/SIGINT arrived; the checkpoint has been written."""


@dataclass
class Checkpointer:
    path: Path
    fingerprint: str  # the run's configuration; a checkpoint with another one is refused
    every_s: float = 600.0
    every_steps: int | None = None  # tests: checkpoint (and optionally stop) by step count
    stop_at_step: int | None = None  # tests: write a checkpoint and stop after this step
    stop_requested: bool = field(default=False, repr=False)
    _last: float = field(default_factory=time.monotonic, repr=False)

    def handle_signals(self) -> None:
        """SIGTERM / SIGINT: finish the batch, write the checkpoint, stop."""

        def request(signum: int, _frame: object) -> None:
            log(f"signal {signum}: writing a checkpoint after this batch, then stopping")
            self.stop_requested = True

        signal.signal(signal.SIGTERM, request)
        signal.signal(signal.SIGINT, request)

    def due(self, step: int) -> bool:
        if self.stop_requested or step == self.stop_at_step:
            return True
        if self.every_steps is not None:
            return step % self.every_steps == 0
        return time.monotonic() - self._last >= self.every_s

    def save(self, payload: dict[str, Any]) -> None:
        started = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        torch.save({"fingerprint": self.fingerprint, **payload}, partial)
        os.replace(partial, self.path)
        self._last = time.monotonic()
        log(
            f"checkpoint {self.path} ({where(payload['progress'])}; "
            f"{time.monotonic() - started:.1f} s to write)"
        )

    def load(self) -> dict[str, Any] | None:
        if not self.path.is_file():
            return None
        payload = torch.load(self.path, map_location="cpu", weights_only=False)  # our own file
        if payload.get("fingerprint") != self.fingerprint:
            raise CheckpointMismatch(
                f"{self.path}: checkpoint of another configuration "
                f"({payload.get('fingerprint')!r}, this run {self.fingerprint!r}); "
                "move it away to start again"
            )
        return payload


def where(progress: dict[str, Any]) -> str:
    if progress["batch"] == 0:
        return f"{progress['epoch']} epoch(s) done, step {progress['step']}"
    return f"epoch {progress['epoch'] + 1}, batch {progress['batch']}, step {progress['step']}"


def fingerprint(**parts: object) -> str:
    return json.dumps(parts, sort_keys=True, default=str)


@dataclass
class Loop:
    """What one training run needs: the model, its optimizer and schedule, and callbacks."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    epochs: int
    total_steps: int
    epoch_batches: Callable[[int], Sequence[Any]]  # batches, deterministic for a given epoch
    batch_loss: Callable[[Any], torch.Tensor]  # forward pass + loss of one batch
    end_epoch: Callable[[int, dict[str, Any]], None]  # dev score; updates the state dict
    state: dict[str, Any] = field(default_factory=dict)  # JSON-like, checkpointed
    scaler: torch.amp.GradScaler | None = None  # fp16 on CUDA


def fit(loop: Loop, checkpoint: Checkpointer | None = None) -> None:
    """Run (or resume) the epochs; raise StopRequested after a requested stop's checkpoint."""
    progress: dict[str, Any] = {"epoch": 0, "batch": 0, "step": 0, "running": 0.0, "seconds": 0.0}
    saved = checkpoint.load() if checkpoint else None
    if saved is not None:
        _restore(loop, saved)
        progress = saved["progress"]
        log(f"resumed from {checkpoint.path}: {where(progress)}")  # type: ignore[union-attr]
    started = time.monotonic() - progress["seconds"]
    while progress["epoch"] < loop.epochs:
        epoch = progress["epoch"]
        loop.model.train()
        for batch in loop.epoch_batches(epoch)[progress["batch"] :]:
            value = _step(loop, batch)
            progress["batch"] += 1
            progress["step"] += 1
            step = progress["step"]
            running = progress["running"]
            progress["running"] = 0.98 * running + 0.02 * value if step > 1 else value
            progress["seconds"] = time.monotonic() - started
            if step % 25 == 0:
                _log_progress(progress, loop.total_steps)
            if checkpoint and checkpoint.due(step):
                checkpoint.save(_payload(loop, progress))
                if checkpoint.stop_requested or step == checkpoint.stop_at_step:
                    raise StopRequested(f"stopped at step {step}; resume with the same command")
        loop.end_epoch(epoch, loop.state)
        progress.update(epoch=epoch + 1, batch=0)
        if checkpoint:
            checkpoint.save(_payload(loop, progress))
    log(f"training took {(time.monotonic() - started) / 60:.1f} min")


def _step(loop: Loop, batch: Batch) -> float:
    loss = loop.batch_loss(batch)
    if loop.scaler is not None:
        loop.scaler.scale(loss).backward()
        loop.scaler.unscale_(loop.optimizer)
        nn.utils.clip_grad_norm_(loop.model.parameters(), 1.0)
        loop.scaler.step(loop.optimizer)
        loop.scaler.update()
    else:
        loss.backward()
        nn.utils.clip_grad_norm_(loop.model.parameters(), 1.0)
        loop.optimizer.step()
    loop.scheduler.step()
    loop.optimizer.zero_grad()
    return float(loss.item())


def _log_progress(progress: dict[str, Any], total: int) -> None:
    step, elapsed = progress["step"], progress["seconds"]
    log(
        f"epoch {progress['epoch'] + 1} step {step}/{total} loss {progress['running']:.3f} "
        f"{elapsed / 60:.1f} min, eta {elapsed / step * (total - step) / 60:.1f} min"
    )


def _payload(loop: Loop, progress: dict[str, Any]) -> dict[str, Any]:
    payload = {
        "model": loop.model.state_dict(),
        "optimizer": loop.optimizer.state_dict(),
        "scheduler": loop.scheduler.state_dict(),
        "progress": dict(progress),
        "state": dict(loop.state),
        "torch_rng": torch.get_rng_state(),
        "python_rng": random.getstate(),
    }
    if torch.cuda.is_available():
        payload["cuda_rng"] = torch.cuda.get_rng_state_all()
    if loop.scaler is not None:
        payload["scaler"] = loop.scaler.state_dict()
    return payload


def _restore(loop: Loop, saved: dict[str, Any]) -> None:
    loop.model.load_state_dict(saved["model"])
    loop.optimizer.load_state_dict(saved["optimizer"])
    loop.scheduler.load_state_dict(saved["scheduler"])
    loop.state.clear()
    loop.state.update(saved["state"])
    torch.set_rng_state(saved["torch_rng"])
    random.setstate(saved["python_rng"])
    if "cuda_rng" in saved and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(saved["cuda_rng"])
    if loop.scaler is not None and "scaler" in saved:
        loop.scaler.load_state_dict(saved["scaler"])
