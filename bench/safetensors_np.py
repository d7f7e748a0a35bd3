"""A safetensors file as numpy arrays (float32 / int32), for the PyTorch halves of the parity benches
(rpg_parity.py, tiger_parity.py): Debian's python3-torch has no `safetensors` package beside it."""
import json
import struct

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I32": np.int32}[meta["dtype"]]
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(blob[a:b], dtype=dtype).reshape(meta["shape"])
    return out
