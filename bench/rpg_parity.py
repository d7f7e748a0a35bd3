#!/usr/bin/python3
"""The PyTorch half of bench/rpg-parity.ts: loads sidrec's initial RPG weights into the independent PyTorch RPG
(../shared/bench/rpg_torch.py), runs the same batches with the same update (clip 1, AdamW without decay, the
warm-up/cosine factor of each step) and compares the first step's gradients, every step's loss and the final
weights with sidrec's. Prints one line per check and exits 1 when one is off by more than float32 noise.
Usage: /usr/bin/python3 bench/rpg_parity.py OUT_DIR DIR_WITH_rpg_torch.py
"""
import json, math, os, struct, sys

import numpy as np

from safetensors_np import read_safetensors


def to_torch_state(w, m, C, d, layers):
    """sidrec names and layouts -> rpg_torch.RPG's state dict (Linear weights transposed; heads split)."""
    import torch

    t = lambda a: torch.tensor(np.array(a, dtype=np.float32))
    sd = {"wte.weight": torch.cat([torch.zeros(1, d), t(w["codes"])]), "wpe.weight": t(w["positions"])}
    names = {"ln1": "ln1", "ln2": "ln2", "qkv": "attn.qkv", "proj": "attn.out", "fc": "mlp.fc", "out": "mlp.proj"}
    for i in range(layers):
        for tn, sn in names.items():
            W, b = w[f"blocks.{i}.{sn}.weight"], w[f"blocks.{i}.{sn}.bias"]
            sd[f"blocks.{i}.{tn}.weight"] = t(W) if W.ndim == 1 else t(W.T)
            sd[f"blocks.{i}.{tn}.bias"] = t(b)
    sd["lnf.weight"], sd["lnf.bias"] = t(w["norm.weight"]), t(w["norm.bias"])
    for j in range(m):
        sd[f"heads.{j}.weight"] = t(w["heads.weight"][:, j * d:(j + 1) * d].T)
        sd[f"heads.{j}.bias"] = t(w["heads.bias"][j * d:(j + 1) * d])
    return sd


def main():
    out, ref_dir = sys.argv[1], sys.argv[2]
    sys.path.insert(0, ref_dir)
    import torch
    import rpg_torch

    torch.set_num_threads(2)
    meta = json.load(open(os.path.join(out, "sidrec.json")))
    s = meta["settings"]
    m, C, d, layers = meta["digits"], meta["codebookSize"], int(s["dim"]), 2
    raw = json.load(open(os.path.join(out, "sids.json")))
    n_items = max(int(k) for k in raw)
    codes = torch.zeros(n_items + 1, m, dtype=torch.long)
    for k, c in raw.items():
        codes[int(k)] = torch.tensor(c) + 1 + torch.arange(m) * C
    model = rpg_torch.RPG(codes, C, d, layers, 4, int(s["ffn"]), 50, float(s["temperature"]), 0.0, 0.0, 0.0)
    init = read_safetensors(os.path.join(out, "init.safetensors"))
    model.load_state_dict({**to_torch_state(init, m, C, d, layers), "codes": codes}, strict=True)
    batches = read_safetensors(os.path.join(out, "batches.safetensors"))
    steps = len(meta["losses"])
    lr, warmup = float(s["lr"]), int(s["warmup"])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    factor = lambda k: k / max(1, warmup) if k < warmup else 0.5 * (1 + math.cos(math.pi * (k - warmup) / max(1, 100_000 - warmup)))
    ok = True
    for k in range(steps):
        items = torch.tensor(batches[f"{k}/inputs"].astype(np.int64))
        labels = torch.tensor(batches[f"{k}/labels"].astype(np.int64))
        lens = torch.tensor(batches[f"{k}/lengths"].astype(np.int64))
        loss = model.loss(items, lens, labels)
        opt.zero_grad()
        loss.backward()
        if k == 0:
            ok &= compare_grads(model, read_safetensors(os.path.join(out, "grads0.safetensors")), m, C, d, layers)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        for g in opt.param_groups:
            g["lr"] = lr * factor(k)
        opt.step()
        rel = abs(loss.item() - meta["losses"][k]) / abs(loss.item())
        print(f"step {k}: loss torch {loss.item():.6f} sidrec {meta['losses'][k]:.6f} (rel {rel:.1e}); grad norm torch {norm:.5f} sidrec {meta['gradNorms'][k]:.5f}")
        ok &= rel < 1e-4
    final = to_torch_state(read_safetensors(os.path.join(out, "final.safetensors")), m, C, d, layers)
    # Adam moves each weight by about lr per step whatever its gradient's size, so where a gradient is float32 noise
    # (~0) its sign, and so a whole step, can differ between two correct implementations: measure in units of lr.
    diffs = torch.cat([(final[n] - p).abs().flatten() for n, p in model.state_dict().items() if n in final and n != "codes"])
    moved = lr * max(factor(k) for k in range(steps))
    share = (diffs > 0.1 * moved).float().mean().item()
    print(f"final weights after {steps} steps: median |diff| {diffs.median().item() / moved:.1e} lr, "
          f"largest {diffs.max().item() / moved:.2f} lr, {share:.2e} of weights off by more than 0.1 lr")
    ok &= share < 1e-3
    print("agree" if ok else "DISAGREE")
    sys.exit(0 if ok else 1)


def compare_grads(model, grads, m, C, d, layers):
    mine = to_torch_state(grads, m, C, d, layers)
    ok = True
    for name, p in model.named_parameters():
        g = p.grad if p.grad is not None else torch_zero(p)
        want = mine[name]
        scale = max(g.abs().max().item(), 1e-12)
        diff = (g - want).abs().max().item() / scale
        flag = "" if diff < 1e-3 else "   <-- differs"
        if flag or name in ("wte.weight", "wpe.weight", "heads.0.weight", "blocks.0.qkv.weight"):
            print(f"grad {name}: max |torch - sidrec| / max |torch| = {diff:.2e} (max |torch| {scale:.2e}){flag}")
        ok &= diff < 1e-3
    return ok


def torch_zero(p):
    import torch

    return torch.zeros_like(p)


if __name__ == "__main__":
    main()
