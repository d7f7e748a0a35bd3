#!/usr/bin/python3
"""Runs ../shared/bench/rpg_torch.py (the independent PyTorch RPG, unchanged) on a GPU when there is one, through
torch.set_default_device, and optionally with the residual dropout set apart from the embedding dropout: rpg_torch.py
ties the two, the RPG paper drops out embeddings and attention only (--resid-dropout 0 gives that).
Usage: python3 bench/rpg_torch_device.py PATH/rpg_torch.py [--resid-dropout P] RPG_TORCH_ARGS...
"""
import importlib.util, sys

import torch

script, args = sys.argv[1], sys.argv[2:]
resid = None
if "--resid-dropout" in args:
    i = args.index("--resid-dropout")
    resid = float(args[i + 1])
    del args[i : i + 2]
spec = importlib.util.spec_from_file_location("rpg_torch", script)
rpg_torch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpg_torch)
if torch.cuda.is_available():
    torch.set_default_device("cuda")
    print(f"on {torch.cuda.get_device_name()}, torch {torch.__version__}", file=sys.stderr, flush=True)
if resid is not None:
    Base = rpg_torch.RPG

    class RPG(Base):
        """RPG(codes, K, d, layers, heads, ffn, max_len, temperature, embd_drop, attn_drop, resid_drop)."""

        def __init__(self, *p):
            super().__init__(*p[:10], resid)

    rpg_torch.RPG = RPG  # main() looks the class up at call time
sys.argv = [script] + args
rpg_torch.main()
