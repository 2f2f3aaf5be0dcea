"""Store a CTranslate2 model's weights as int8 (per-row scales), the rest as float16.

On the CPU agent-assist runs Whisper with ``compute_type="int8"``, so CTranslate2 quantizes
the float16 weights to int8 every time it loads them. Doing that once at build time halves the
model files (Whisper base 145 -> 74 MB) and what runs on the CPU stays int8; on a GPU
CTranslate2 expands the weights to float16 at load. ``build.py`` uses this unless
``--float16-whisper`` is given; ``check_int8.py`` compares the word error rates of both files.

The file layout (CTranslate2 binary version 6): u32 version, string spec name, u32 revision,
u32 variable count, then per variable: string name, u8 rank, u32 dims, u8 dtype id, u32 byte
count, bytes; then u32 alias count and (alias, target) string pairs. Strings are u16 length
(with the NUL) + UTF-8 + NUL. Weights are quantizable when their layer has a ``weight_scale``
(linear, conv1d and embedding layers): every variable named ``.../weight``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

VERSION = 6
DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


class FormatError(Exception):
    pass


@dataclass
class Variable:
    name: str
    value: np.ndarray


@dataclass
class Model:
    spec: str
    revision: int
    variables: list[Variable]
    aliases: list[tuple[str, str]]


def _read(handle: BinaryIO, fmt: str) -> int:
    size = struct.calcsize(fmt)
    data = handle.read(size)
    if len(data) != size:
        raise FormatError("unexpected end of file")
    return int(struct.unpack(fmt, data)[0])


def _read_string(handle: BinaryIO) -> str:
    length = _read(handle, "H")
    return handle.read(length)[:-1].decode("utf-8")


def read_model(path: Path) -> Model:
    with path.open("rb") as handle:
        if (version := _read(handle, "I")) != VERSION:
            raise FormatError(f"{path}: binary version {version}, expected {VERSION}")
        spec, revision = _read_string(handle), _read(handle, "I")
        variables = []
        for _ in range(_read(handle, "I")):
            name = _read_string(handle)
            shape = [_read(handle, "I") for _ in range(_read(handle, "B"))]
            dtype = DTYPES[_read(handle, "B")]
            if dtype == "bfloat16":
                raise FormatError(f"{path}: {name} is bfloat16, which this tool does not read")
            data = handle.read(_read(handle, "I"))
            variables.append(Variable(name, np.frombuffer(data, dtype=dtype).reshape(shape)))
        aliases = [(_read_string(handle), _read_string(handle)) for _ in range(_read(handle, "I"))]
        if handle.read(1):
            raise FormatError(f"{path}: trailing bytes after the aliases")
    return Model(spec, revision, variables, aliases)


def _write_string(handle: BinaryIO, text: str) -> None:
    data = text.encode("utf-8")
    handle.write(struct.pack("H", len(data) + 1) + data + b"\0")


def write_model(model: Model, path: Path) -> None:
    with path.open("wb") as handle:
        handle.write(struct.pack("I", VERSION))
        _write_string(handle, model.spec)
        handle.write(struct.pack("I", model.revision))
        handle.write(struct.pack("I", len(model.variables)))
        for variable in sorted(model.variables, key=lambda v: v.name):
            value = np.require(variable.value, requirements="C")  # keeps 0-d scalars 0-d
            _write_string(handle, variable.name)
            handle.write(struct.pack("B", value.ndim))
            handle.write(b"".join(struct.pack("I", dim) for dim in value.shape))
            handle.write(struct.pack("B", DTYPES.index(value.dtype.name)))
            handle.write(struct.pack("I", value.nbytes))
            handle.write(value.tobytes())
        handle.write(struct.pack("I", len(model.aliases)))
        for alias, target in model.aliases:
            _write_string(handle, alias)
            _write_string(handle, target)


def quantize_rows(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 weights and float32 per-row scales (row = first axis; conv kernels flattened)."""
    rows = weight.astype(np.float32).reshape(weight.shape[0], -1)
    amax = np.abs(rows).max(axis=1)
    amax[amax == 0] = 127.0
    scale = (127.0 / amax).astype(np.float32)
    quantized = np.rint(rows * scale[:, None]).astype(np.int8)
    return quantized.reshape(weight.shape), scale


def to_int8(model: Model) -> Model:
    """Quantize every ``.../weight``; keep other floats as float16; alias scales with weights."""
    variables: list[Variable] = []
    for variable in model.variables:
        value = variable.value
        if variable.name.endswith("/weight") and value.dtype.kind == "f" and value.ndim >= 2:
            quantized, scale = quantize_rows(value)
            variables.append(Variable(variable.name, quantized))
            variables.append(Variable(variable.name + "_scale", scale))
        elif value.dtype.kind == "f" and value.ndim > 0:
            variables.append(Variable(variable.name, value.astype(np.float16)))
        else:
            variables.append(variable)
    quantized_names = {v.name for v in variables}
    aliases = list(model.aliases)
    for alias, target in model.aliases:
        if target + "_scale" in quantized_names:
            aliases.append((alias + "_scale", target + "_scale"))
    return Model(model.spec, model.revision, variables, aliases)


def quantize_file(source: Path, target: Path) -> None:
    write_model(to_int8(read_model(source)), target)
