#!/usr/bin/python3
"""The PyTorch half of bench/tiger-parity.ts: an encoder-decoder written here from the TIGER paper (Rajput et al.,
NeurIPS 2023: T5-style, a user token then the SID tokens of the history into a bidirectional encoder, the next
item's SID decoded digit by digit from BOS under teacher forcing) with the choices sidrec's config records: pre-LN
LayerNorm blocks, ReLU feed-forward, T5 bucketed relative position bias (one table per stack, shared by its
layers), no absolute positions, one token table shared by encoder and decoder, one output layer per digit over
that digit's codes, loss = mean over digits of the batch-mean cross-entropy, no label smoothing.

It rebuilds every dumped batch row from the raw files (sequences.txt, the imported SID index) to check how the
batches are fed, loads sidrec's initial weights by name, runs the same steps (parts weighted and accumulated, clip,
torch's AdamW, HF-style linear warm-up then cosine through LambdaLR) with dropout off, and compares first-step
gradients per parameter, loss, gradient norm and learning rate per step, and the weights after the last step in
units of lr. Exits 1 when something differs by more than float32 noise.
Usage: /usr/bin/python3 bench/tiger_parity.py OUT_DIR [RAW_DIR (sequences.txt)] [SID_INDEX_JSON]
"""
import json, math, os, re, struct, sys

import numpy as np

from safetensors_np import read_safetensors
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- the model


def rel_bucket(rel, bidirectional, buckets, max_distance):
    """T5's bucket of relative position rel = key - query (long tensor)."""
    out = torch.zeros_like(rel)
    n = -rel
    if bidirectional:
        buckets //= 2
        out += (n < 0).long() * buckets
        n = n.abs()
    else:
        n = n.clamp(min=0)
    exact = buckets // 2
    large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (buckets - exact)).long()
    return out + torch.where(n < exact, n, large.clamp(max=buckets - 1))


class RelBias(nn.Module):
    def __init__(self, heads, bidirectional, buckets, max_distance):
        super().__init__()
        self.table = nn.Embedding(buckets, heads)
        self.bidirectional, self.buckets, self.max_distance = bidirectional, buckets, max_distance

    def forward(self, t):
        pos = torch.arange(t, device=self.table.weight.device)
        b = rel_bucket(pos[None, :] - pos[:, None], self.bidirectional, self.buckets, self.max_distance)  # (t, t)
        return self.table(b).permute(2, 0, 1)  # (H, t, t)


class Attention(nn.Module):
    """head_dim (T5's d_kv) sets the heads' width apart from d: q, k, v are heads x head_dim wide."""

    def __init__(self, d, heads, dropout=0.0, head_dim=None):
        super().__init__()
        self.h, self.hd = heads, head_dim or d // heads
        inner = heads * self.hd
        self.q, self.k, self.v = (nn.Linear(d, inner) for _ in range(3))
        self.o = nn.Linear(inner, d)
        self.drop = nn.Dropout(dropout)  # on the attention weights, as sidrec's MultiHeadAttention

    def forward(self, x, src, bias=None, key_pad=None, causal=False):
        B, Tq, _ = x.shape
        Tk, hd = src.shape[1], self.hd
        split = lambda y, T: y.view(B, T, self.h, hd).transpose(1, 2)  # (B, H, T, hd)
        q, k, v = split(self.q(x), Tq), split(self.k(src), Tk), split(self.v(src), Tk)
        s = q @ k.transpose(-1, -2) / math.sqrt(hd)  # (B, H, Tq, Tk)
        if bias is not None:
            s = s + bias
        if causal:
            s = s.masked_fill(torch.ones(Tq, Tk, dtype=torch.bool, device=s.device).triu(1), float("-inf"))
        if key_pad is not None:
            s = s.masked_fill(key_pad[:, None, None, :], float("-inf"))
        y = self.drop(s.softmax(-1)) @ v  # (B, H, Tq, hd)
        return self.o(y.transpose(1, 2).reshape(B, Tq, self.h * hd))


class FeedForward(nn.Module):
    def __init__(self, d, ffn):
        super().__init__()
        self.wi, self.wo = nn.Linear(d, ffn), nn.Linear(ffn, d)

    def forward(self, x):
        return self.wo(F.relu(self.wi(x)))


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, dropout=0.0, head_dim=None):
        super().__init__()
        self.ln_self, self.self_attn = nn.LayerNorm(d), Attention(d, heads, dropout, head_dim)
        self.ln_ff, self.ff = nn.LayerNorm(d), FeedForward(d, ffn)
        self.drop = nn.Dropout(dropout)  # on each residual branch

    def forward(self, x, bias, pad):
        h = self.ln_self(x)
        x = x + self.drop(self.self_attn(h, h, bias=bias, key_pad=pad))
        return x + self.drop(self.ff(self.ln_ff(x)))


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, dropout=0.0, head_dim=None):
        super().__init__()
        self.ln_self, self.self_attn = nn.LayerNorm(d), Attention(d, heads, dropout, head_dim)
        self.ln_cross, self.cross_attn = nn.LayerNorm(d), Attention(d, heads, dropout, head_dim)
        self.ln_ff, self.ff = nn.LayerNorm(d), FeedForward(d, ffn)
        self.drop = nn.Dropout(dropout)  # on each residual branch

    def forward(self, x, bias, memory, pad):
        h = self.ln_self(x)
        x = x + self.drop(self.self_attn(h, h, bias=bias, causal=True))
        x = x + self.drop(self.cross_attn(self.ln_cross(x), memory, key_pad=pad))
        return x + self.drop(self.ff(self.ln_ff(x)))


class TigerTorch(nn.Module):
    """dropout (default 0, as the parity check runs): on the embedded inputs of both stacks, the attention weights and
    every residual branch, where sidrec's TIGER applies it."""

    def __init__(self, c, vocab_size, dropout=0.0):
        super().__init__()
        d, H = c["dim"], c["heads"]
        self.emb = nn.Embedding(vocab_size, d)
        self.in_drop = nn.Dropout(dropout)
        self.enc_bias = RelBias(H, True, c["relBuckets"], c["relMaxDistance"])
        hd = c.get("headDim")  # absent: d // H
        self.enc = nn.ModuleList(EncoderLayer(d, H, c["ffn"], dropout, hd) for _ in range(c["encoderLayers"]))
        self.enc_ln = nn.LayerNorm(d)
        self.dec_bias = RelBias(H, False, c["relBuckets"], c["relMaxDistance"])
        self.dec = nn.ModuleList(DecoderLayer(d, H, c["ffn"], dropout, hd) for _ in range(c["decoderLayers"]))
        self.dec_ln = nn.LayerNorm(d)
        self.out = nn.ModuleList(nn.Linear(d, n) for n in c["codeSizes"])

    def embed(self, ids):
        return self.emb(ids.clamp(min=0)) * (ids >= 0).unsqueeze(-1).float()  # -1 = padding -> zero vector

    def encode(self, enc_ids):
        """(B, T) token ids, -1 = padding -> memory (B, T, D), padding mask (B, T)."""
        pad = enc_ids < 0  # (B, T)
        x = self.in_drop(self.embed(enc_ids))  # (B, T, D)
        bias = self.enc_bias(x.shape[1])
        for layer in self.enc:
            x = layer(x, bias, pad)
        return self.enc_ln(x), pad

    def decode(self, dec_in, memory, pad):
        """(B, t) decoder tokens (BOS first) -> hidden (B, t, D)."""
        y = self.in_drop(self.embed(dec_in))  # (B, t, D)
        bias = self.dec_bias(y.shape[1])
        for layer in self.dec:
            y = layer(y, bias, memory, pad)
        return self.dec_ln(y)

    def loss(self, enc_ids, dec_in, targets):
        memory, pad = self.encode(enc_ids)
        y = self.decode(dec_in, memory, pad)
        per_digit = [F.cross_entropy(head(y[:, j]), targets[:, j]) for j, head in enumerate(self.out)]
        return torch.stack(per_digit).mean()


# ------------------------------------------------- sidrec names and layouts


def to_torch_state(w, c):
    """sidrec's parameters (Linear weights stored (in, out), fused [q|k|v] and [k|v]) -> TigerTorch's state dict."""
    t = lambda a: torch.tensor(np.array(a, dtype=np.float32))
    A = c["heads"] * (c.get("headDim") or c["dim"] // c["heads"])  # the attention's width
    sd = {"emb.weight": t(w["tokens.weight"]), "enc_bias.table.weight": t(w["encBias.weight"]), "dec_bias.table.weight": t(w["decBias.weight"])}
    sd["enc_ln.weight"], sd["enc_ln.bias"] = t(w["encNorm.weight"]), t(w["encNorm.bias"])
    sd["dec_ln.weight"], sd["dec_ln.bias"] = t(w["decNorm.weight"]), t(w["decNorm.bias"])

    def linear(dst, W, b):
        sd[f"{dst}.weight"], sd[f"{dst}.bias"] = t(np.asarray(W).T), t(b)

    def fused(dst, src, names):
        W, b = w[f"{src}.weight"], w[f"{src}.bias"]
        for j, n in enumerate(names):
            linear(f"{dst}.{n}", W[:, j * A:(j + 1) * A], b[j * A:(j + 1) * A])

    def block(dst, src, cross):
        for tn, sn in (("ln_self", "ln1"), ("ln_ff", "ln2")) + ((("ln_cross", "lnCross"),) if cross else ()):
            sd[f"{dst}.{tn}.weight"], sd[f"{dst}.{tn}.bias"] = t(w[f"{src}.{sn}.weight"]), t(w[f"{src}.{sn}.bias"])
        fused(f"{dst}.self_attn", f"{src}.attn.qkv", "qkv")
        linear(f"{dst}.self_attn.o", w[f"{src}.attn.out.weight"], w[f"{src}.attn.out.bias"])
        if cross:
            linear(f"{dst}.cross_attn.q", w[f"{src}.crossAttn.q.weight"], w[f"{src}.crossAttn.q.bias"])
            fused(f"{dst}.cross_attn", f"{src}.crossAttn.kv", "kv")
            linear(f"{dst}.cross_attn.o", w[f"{src}.crossAttn.out.weight"], w[f"{src}.crossAttn.out.bias"])
        linear(f"{dst}.ff.wi", w[f"{src}.mlp.fc.weight"], w[f"{src}.mlp.fc.bias"])
        linear(f"{dst}.ff.wo", w[f"{src}.mlp.proj.weight"], w[f"{src}.mlp.proj.bias"])

    for i in range(c["encoderLayers"]):
        block(f"enc.{i}", f"encoder.{i}", False)
    for i in range(c["decoderLayers"]):
        block(f"dec.{i}", f"decoder.{i}", True)
    for j in range(len(c["codeSizes"])):
        linear(f"out.{j}", w[f"heads.{j}.weight"], w[f"heads.{j}.bias"])
    return sd


# ------------------------------------------- the batches, rebuilt from raw files


def check_batches(meta, batches, raw_dir, index_file):
    """Every dumped row must be a real training example: [user token, SID tokens of its most recent maxItems items,
    oldest first], decoder [BOS, target digits 0..m-2], targets = the target's codes. Returns rows checked."""
    c, voc = meta["config"], meta["vocab"]
    offsets, bos, buckets, max_items = voc["offsets"], voc["bos"], voc["userBuckets"], c["maxItems"]
    m = len(c["codeSizes"])
    users, seqs = [], []
    for line in open(os.path.join(raw_dir, "sequences.txt")):
        f = line.split()
        users.append(f[0])
        items = f[1:]
        seqs.append(items[:-2] if len(items) >= 3 else items)  # leave-one-out: the last two are validation and test
    raw = json.load(open(index_file))
    codes = {k: [int(re.search(r"_(\d+)>", s).group(1)) for s in v] for k, v in raw.items()}
    n_raw = len(next(iter(codes.values())))
    if m == n_raw + 1:  # the collision digit: each item's rank among items sharing its SID; 0 for all when none collide
        seen = {}
        for v in codes.values():
            seen[tuple(v)] = seen.get(tuple(v), 0) + 1
        assert max(seen.values()) == 1, "colliding SIDs: the collision digit's order is not rebuilt here"
        codes = {k: v + [0] for k, v in codes.items()}
    assert all(len(v) == m for v in codes.values()), f"{n_raw} SID levels in the index, {m} digits in the model"
    tok = lambda item: [offsets[d] + codes[item][d] for d in range(m)]
    user_tok = lambda u: bos + 1 + ((u * 0x9E3779B1) % 2**32) % buckets
    by_target = {}
    for u, s in enumerate(seqs):
        for t in range(1, len(s)):
            by_target.setdefault((user_tok(u), tuple(codes[s[t]]), min(t, max_items)), []).append((u, t))
    rows = 0
    for key in sorted(k for k in batches if k.endswith("/encoder")):
        p = key[: -len("/encoder")]
        enc, dec, tgt = batches[key], batches[f"{p}/decoderInput"], batches[f"{p}/targetCodes"]
        assert (batches[f"{p}/padding"] == (enc < 0)).all(), f"{p}: padding mask is not the padded tokens"
        for r in range(enc.shape[0]):
            n = int((enc[r] >= 0).sum())
            cands = by_target.get((int(enc[r, 0]), tuple(int(x) for x in tgt[r]), (n - 1) // m), [])
            ok = False
            for u, t in cands:
                s = seqs[u]
                want = [user_tok(u)] + [x for it in s[max(0, t - max_items):t] for x in tok(it)]
                want_dec = [bos] + tok(s[t])[: m - 1]
                if list(enc[r, :n]) == want and (enc[r, n:] == -1).all() and list(dec[r]) == want_dec:
                    ok = True
                    break
            assert ok, f"{p} row {r}: no training example of the raw data gives this row"
            rows += 1
    return rows


# ------------------------------------------------------------------ the run


def lr_factor(s):
    """HF's get_cosine_schedule_with_warmup factor of 0-based step k (LambdaLR gives step k factor(k))."""
    warmup, total = int(s["warmup"]), int(s["total-steps"])
    return lambda k: k / max(1, warmup) if k < warmup else 0.5 * (1 + math.cos(math.pi * min(1.0, (k - warmup) / max(1, total - warmup))))


def train(meta, init, batches, dtype):
    """The dumped steps on TigerTorch in `dtype`: each step's loss, gradient norm before clipping, lr and gradients;
    the weights after the last step."""
    c, s = meta["config"], meta["settings"]
    model = TigerTorch(c, meta["vocab"]["size"]).to(dtype)
    model.load_state_dict({n: v.to(dtype) for n, v in init.items()}, strict=True)
    lr, wd, clip = float(s["lr"]), float(s["weight-decay"]), float(s["clip"])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(s))
    run = {"losses": [], "norms": [], "lrs": [], "grads": []}
    for k in range(len(meta["losses"])):
        opt.zero_grad()
        loss = 0.0
        for p, weight in enumerate(meta["partWeights"][k]):
            b = lambda n: torch.tensor(batches[f"{k}.{p}/{n}"].astype(np.int64))
            part = model.loss(b("encoder"), b("decoderInput"), b("targetCodes"))
            (part * weight).backward()
            loss += part.item() * weight
        run["grads"].append({n: p.grad.clone() for n, p in model.named_parameters()})
        run["norms"].append(torch.nn.utils.clip_grad_norm_(model.parameters(), clip if clip > 0 else float("inf")).item())
        run["lrs"].append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        run["losses"].append(loss)
    run["final"] = {n: p.detach() for n, p in model.named_parameters()}
    return run


def compare_grads(torch32, mine, exact, verbose=True):
    """Per parameter, max |a - b| / max |float64 gradient| for torch32 vs sidrec and each float32 side vs float64. A
    finding only when sidrec is off the float64 gradient by more than 1e-4 and more than 3x as far as PyTorch's
    float32 run is (ReLU units and softmax rows near a tie make float32 noise larger in some elements of deeper
    models). A parameter whose true gradient is 0 (the attention key biases: softmax ignores a constant added to all
    of a query's scores; a digit with one code) holds rounding only and is not judged."""
    top = max(g.abs().max().item() for g in exact.values())
    ok, worst = True, (0.0, "", 0.0, 0.0)
    if verbose:
        print("first-step gradients, max |a - b| / max |float64 gradient|:")
        print(f"  {'parameter':28s} torch-sidrec  torch32-f64  sidrec-f64  max |grad|")
    for name, g in torch32.items():
        e = exact[name]
        scale = e.abs().max().item()
        rel = lambda a, b: (a.double() - b.double()).abs().max().item() / max(scale, 1e-30)
        diff, torch_err, sidrec_err = rel(g, mine[name]), rel(g, e), rel(mine[name], e)
        zero = scale < 1e-7 * top
        bad = not zero and sidrec_err > 1e-4 and sidrec_err > 3 * torch_err
        flag = "   (true gradient 0: rounding only)" if zero else "   <-- differs" if bad else ""
        if verbose or bad:
            print(f"  {name:28s} {diff:11.1e}  {torch_err:11.1e}  {sidrec_err:10.1e}  {scale:.1e}{flag}")
        ok &= not bad
        if not zero:
            worst = max(worst, (diff, name, torch_err, sidrec_err))
    print(f"  largest torch-sidrec over the parameters with a gradient: {worst[0]:.1e} ({worst[1]}; torch32-f64 {worst[2]:.1e}, sidrec-f64 {worst[3]:.1e})")
    return ok


def compare_later_grads(out, load, f32, f64):
    """With --all-grads: every later step's gradients too (each run at its own weights, so exact only with --lr 0)."""
    ok = True
    for k in range(1, len(f32["grads"])):
        path = f"grads{k}.safetensors"
        if os.path.exists(os.path.join(out, path)):
            print(f"step {k} gradients:", end="")
            ok &= compare_grads(f32["grads"][k], load(path), f64["grads"][k], verbose=False)
    return ok


def compare_weights(torch32, sidrec, exact, moved):
    """Adam moves a weight by about lr per step whatever its gradient's size, so where a gradient is float32 noise (or
    a ReLU unit sits on its kink) its sign, and so a whole step, can differ between two correct implementations:
    measured in units of lr, each float32 side also against the float64 run. A finding when sidrec has more weights
    off the float64 run by 0.1 lr than 1e-3 of all weights and than 2x PyTorch's float32 run has."""
    if moved == 0:
        d = max((torch32[n].double() - sidrec[n].double()).abs().max().item() for n in torch32)
        print(f"weights after the last step: lr 0, largest |torch - sidrec| {d:.1e}")
        return d == 0
    off = lambda a, b, n: (a[n].double() - b[n].double()).abs() / moved  # (param shape), in lr
    print("weights after the last step (|a - b| in units of lr):")
    print(f"  {'parameter':28s} torch-sidrec largest  share > 0.1 lr  torch32-f64 share  sidrec-f64 share")
    rows = sorted(((off(torch32, sidrec, n).max().item(), n) for n in torch32), reverse=True)
    for v, n in rows[:4]:
        share = lambda a, b: (off(a, b, n) > 0.1).double().mean().item()
        print(f"  {n:28s} {v:17.3f}  {share(torch32, sidrec):14.1e}  {share(torch32, exact):17.1e}  {share(sidrec, exact):16.1e}")
    everything = lambda a, b: torch.cat([off(a, b, n).flatten() for n in torch32])
    d = everything(torch32, sidrec)
    t_share, s_share = (everything(torch32, exact) > 0.1).double().mean().item(), (everything(sidrec, exact) > 0.1).double().mean().item()
    print(f"  all {d.numel()} weights: torch-sidrec median {d.median().item():.1e} lr, largest {d.max().item():.3f} lr, "
          f"share > 0.1 lr {(d > 0.1).double().mean().item():.1e}; off the float64 run by > 0.1 lr: torch32 {t_share:.1e}, sidrec {s_share:.1e}")
    return s_share < 1e-3 or s_share <= 2 * t_share


def main():
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    raw_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "../../shared/data/amazon-beauty")
    index = sys.argv[3] if len(sys.argv) > 3 else os.path.join(raw_dir, "external-sids/qwen3-rqvae-zcr.index.json")
    torch.set_num_threads(1)
    meta = json.load(open(os.path.join(out, "sidrec.json")))
    c, s = meta["config"], meta["settings"]
    load = lambda f: to_torch_state(read_safetensors(os.path.join(out, f)), c)
    batches = read_safetensors(os.path.join(out, "batches.safetensors"))
    print(f"batches: {check_batches(meta, batches, raw_dir, index)} rows rebuilt from the raw sequences and SIDs, all equal")
    init = load("init.safetensors")
    f32 = train(meta, init, batches, torch.float32)
    f64 = train(meta, init, batches, torch.float64)  # the yardstick for float32 noise
    ok = compare_grads(f32["grads"][0], load("grads0.safetensors"), f64["grads"][0])
    ok &= compare_later_grads(out, load, f32, f64)
    lr = float(s["lr"])
    print("step | loss torch | loss sidrec | rel diff | grad norm torch | sidrec | rel diff | lr torch | lr sidrec")
    for k, (loss, norm, step_lr) in enumerate(zip(f32["losses"], f32["norms"], f32["lrs"])):
        rl = abs(loss - meta["losses"][k]) / abs(loss)
        rn = abs(norm - meta["gradNorms"][k]) / norm
        print(f"{k:4d} | {loss:.7f} | {meta['losses'][k]:.7f} | {rl:.1e} | {norm:.6f} | {meta['gradNorms'][k]:.6f} | {rn:.1e} | {step_lr:.6g} | {meta['lrs'][k]:.6g}")
        ok &= rl < 1e-5 and rn < 1e-4 and abs(step_lr - meta["lrs"][k]) <= 1e-9 * lr
    moved = lr * max(lr_factor(s)(k) for k in range(len(meta["losses"])))
    ok &= compare_weights(f32["final"], load("final.safetensors"), f64["final"], moved)
    print("agree" if ok else "DISAGREE")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
