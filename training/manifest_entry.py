"""Print the models/manifest.toml entry for models/sentiment-minilm (sha256 of each file)."""

from __future__ import annotations

import hashlib
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "models" / "sentiment-minilm"
FILES = ("model.onnx", "tokenizer.json", "config.json")


def entry() -> str:
    lines = [
        "[[model]]",
        'name = "sentiment-minilm"',
        'kind = "sentiment"',
        'license = "Apache-2.0 (all-MiniLM-L6-v2 weights); fine-tuned on data with mixed licenses, '
        'see models/sentiment-minilm/README.md"',
        'source = "this repo: training/build.py (MiniLM-L6 fine-tune, int8 ONNX)"',
    ]
    for name in FILES:
        digest = hashlib.sha256((FOLDER / name).read_bytes()).hexdigest()
        lines += [
            "[[model.files]]",
            f'path = "{name}"',
            f'sha256 = "{digest}"',
            f'parts = ["repo:sentiment-minilm/{name}"]',
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(entry(), end="")
