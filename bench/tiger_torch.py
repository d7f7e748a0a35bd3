#!/usr/bin/python3
"""TIGER trained and evaluated end to end in PyTorch, on a GPU when there is one (issue 20: is it the schedule?).

The model is bench/tiger_parity.py's TigerTorch, the encoder-decoder that agrees with sidrec's TIGER step for step
(BENCHMARKS.md, "TIGER against an independent PyTorch encoder-decoder"), with dropout where sidrec applies it. The
data and recipe are sidrec's: leave-one-out on sequences.txt (train on s[:-2], validate on s[-2], test on s[-1]),
one training example per position of a training sequence ([hashed user token, SID tokens of the previous <= 20
items], decoder [BOS, target digits 0..m-2], per-digit targets), AdamW, global clip, linear warm-up then cosine over
the whole schedule, uniform batches, early stopping on validation NDCG@10; evaluation by beam search constrained to
the SID trie, the beam's order being the ranking (every user, every item; no history masking). A published SID file
with colliding SIDs gets sidrec's collision digit (each item's rank among the items sharing its SID, by item id).

It answers what this project's CPUs cannot in one session: where a TIGER of this model and recipe plateaus on the
published SIDs of ../shared/data/amazon-beauty/external-sids/. Writes --out after every epoch (so a stopped run
still reports) and the test figures of the best validation epoch at the end.
Usage: python3 bench/tiger_torch.py --data DIR_WITH_sequences.txt --sids INDEX_JSON --out result.json \
         [--epochs 30 --lr 0.002 --warmup 1000 --batch 256 --dropout 0.1 --time-budget SECONDS]
"""
import argparse, json, math, os, re, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiger_parity import TigerTorch  # noqa: E402


def load_sequences(path):
    """One user per line: user id, then item ids (1-based) oldest first."""
    seqs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) < 4:
                raise SystemExit(f"{path}:{n}: a user needs at least 3 items for leave-one-out, got {len(parts) - 1}")
            seqs.append([int(x) for x in parts[1:]])
    return seqs


def load_sids(path, n_items):
    """LETTER / LC-Rec index.json {"id": ["<a_12>", ...]} or {"id": [12, ...]} -> codes (n_items, m) by item index
    (item id - 1), a collision digit appended when SIDs collide, and the codes per digit."""
    raw = json.load(open(path))
    code = lambda v: int(re.search(r"_(\d+)>", v).group(1)) if isinstance(v, str) else int(v)
    rows = [None] * n_items
    for key, sid in raw.items():
        i = int(key) - 1
        if 0 <= i < n_items:
            rows[i] = [code(v) for v in sid]
    missing = [i + 1 for i, r in enumerate(rows) if r is None]
    if missing:
        raise SystemExit(f"{path}: no SID for item {missing[0]} ({len(missing)} items missing)")
    groups = {}
    ranks = [groups.setdefault(tuple(r), []).append(i) or len(groups[tuple(r)]) - 1 for i, r in enumerate(rows)]
    if max(ranks) > 0:
        rows = [r + [k] for r, k in zip(rows, ranks)]
    m = len(rows[0])
    sizes = [max(r[d] for r in rows) + 1 for d in range(m)]
    return torch.tensor(rows), sizes, max(ranks) > 0


class Vocab:
    """sidrec's TIGER vocabulary (src/model/tiger-vocab.ts): digit d's code c is token offsets[d] + c, then BOS,
    then the hashed user tokens."""

    def __init__(self, sizes, user_buckets=2000):
        self.offsets = [0]
        for s in sizes:
            self.offsets.append(self.offsets[-1] + s)
        self.bos = self.offsets[-1]
        self.size = self.bos + 1 + user_buckets
        self.user_buckets = user_buckets

    def user(self, u):
        return self.bos + 1 + ((u * 0x9E3779B1) % 2**32) % self.user_buckets


def examples(vocab, codes, seqs, which, max_items):
    """Encoder rows (N, 1 + max_items * m), -1 padded, and the targets' codes (N, m). which: 'train' = every position
    of s[:-2] from the second on; 'valid' = s[-2] after s[:-2]; 'test' = s[-1] after s[:-1]."""
    m = codes.shape[1]
    tok = codes + torch.tensor(vocab.offsets[:-1])  # (n_items, m) token ids
    enc, tgt = [], []
    for u, s in enumerate(seqs):
        pairs = [(s[:t], s[t]) for t in range(1, len(s) - 2)] if which == "train" else [(s[:-2], s[-2])] if which == "valid" else [(s[:-1], s[-1])]
        for hist, target in pairs:
            h = hist[-max_items:]
            row = [vocab.user(u)] + tok[torch.tensor(h) - 1].flatten().tolist()
            enc.append(row + [-1] * (1 + max_items * m - len(row)))
            tgt.append(codes[target - 1].tolist())
    return torch.tensor(enc), torch.tensor(tgt)


class Trie:
    """The valid SIDs as per-digit tables over prefix ids: allow[d] (P_d, K_d) and child[d] (P_d, K_d) -> the prefix id
    at digit d + 1 (at the last digit: the item index), so beam search masks and advances with gathers."""

    def __init__(self, codes, sizes, device):
        m = len(sizes)
        ids = [{(): 0}] + [{} for _ in range(m)]
        for i, r in enumerate(codes.tolist()):
            for d in range(m):
                p = tuple(r[: d + 1])
                if p not in ids[d + 1]:
                    ids[d + 1][p] = i if d == m - 1 else len(ids[d + 1])
        self.allow, self.child = [], []
        for d in range(m):
            allow = torch.zeros(len(ids[d]), sizes[d], dtype=torch.bool)
            child = torch.full((len(ids[d]), sizes[d]), -1, dtype=torch.long)
            for p, q in ids[d + 1].items():
                allow[ids[d][p[:-1]], p[-1]] = True
                child[ids[d][p[:-1]], p[-1]] = q
            self.allow.append(allow.to(device))
            self.child.append(child.to(device))


@torch.no_grad()
def beam_rank(model, vocab, trie, enc, beam):
    """Constrained beam search -> item indices (B, beam) in ranking order, -1 where fewer than beam items exist."""
    B, m = enc.shape[0], len(trie.allow)
    memory, pad = model.encode(enc)
    memory, pad = memory.repeat_interleave(beam, 0), pad.repeat_interleave(beam, 0)
    dev = enc.device
    score = torch.zeros(B, 1, device=dev)
    score[:, 1:] = float("-inf")
    pid = torch.zeros(B, 1, dtype=torch.long, device=dev)
    dec = torch.full((B, 1, 1), vocab.bos, dtype=torch.long, device=dev)  # (B, beams, t)
    for d in range(m):
        k = dec.shape[1]
        rows = torch.cat([dec, dec[:, :1].expand(B, beam - k, d + 1)], 1) if k < beam else dec
        h = model.decode(rows.reshape(B * beam, d + 1), memory, pad)[:, -1]  # (B*beam, D)
        logp = F.log_softmax(model.out[d](h), -1).view(B, beam, -1)[:, :k]  # (B, k, K_d)
        logp = logp.masked_fill(~trie.allow[d][pid], float("-inf"))
        total = (score[:, :, None] + logp).reshape(B, -1)
        score, flat = total.topk(min(beam, total.shape[1]), -1)  # (B, beam)
        parent, c = flat // logp.shape[-1], flat % logp.shape[-1]
        pid = trie.child[d][pid.gather(1, parent), c]
        dec = torch.cat([dec.gather(1, parent[:, :, None].expand(-1, -1, d + 1)), (c + vocab.offsets[d])[:, :, None]], 2)
    return torch.where(torch.isfinite(score), pid, torch.full_like(pid, -1))


def evaluate(model, vocab, trie, enc, tgt_items, beam, bs=512):
    """Recall and NDCG at 5/10/20 (20 only when beam >= 20) over every row."""
    model.eval()
    ks = [k for k in (5, 10, 20) if k <= beam]
    sums = {f"{n}@{k}": 0.0 for k in ks for n in ("recall", "ndcg")}
    for s in range(0, enc.shape[0], bs):
        ranked = beam_rank(model, vocab, trie, enc[s : s + bs], beam)  # (b, beam)
        hit = ranked == tgt_items[s : s + bs, None]
        pos = torch.where(hit.any(1), hit.float().argmax(1), torch.full_like(hit[:, 0], beam, dtype=torch.long))
        for k in ks:
            inside = (pos < k).float()
            sums[f"recall@{k}"] += inside.sum().item()
            sums[f"ndcg@{k}"] += (inside / torch.log2(pos.float() + 2)).sum().item()
    model.train()
    return {k: v / enc.shape[0] for k, v in sums.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder with sequences.txt")
    ap.add_argument("--sids", required=True, help="index.json of the items' SIDs")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4, help="per stack")
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--head-dim", type=int, default=0, help="width of each head (T5's d_kv; the reference TIGER: 6 x 64 on d 128); 0 = dim / heads")
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--max-items", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=30, help="the cosine schedule's length")
    ap.add_argument("--patience", type=int, default=6)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--valid-beam", type=int, default=10)
    ap.add_argument("--test-beam", type=int, default=20)
    ap.add_argument("--valid-users", type=int, default=0, help="0 = every user")
    ap.add_argument("--time-budget", type=float, default=1e9, help="seconds of training; then the test of the best epoch")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    t0 = time.time()

    seqs = load_sequences(os.path.join(a.data, "sequences.txt"))
    n_items = max(max(s) for s in seqs)
    codes, sizes, collided = load_sids(a.sids, n_items)
    vocab = Vocab(sizes)
    trie = Trie(codes, sizes, dev)
    train_enc, train_tgt = (t.to(dev) for t in examples(vocab, codes, seqs, "train", a.max_items))
    valid_enc, valid_tgt = (t.to(dev) for t in examples(vocab, codes, seqs, "valid", a.max_items))
    test_enc, test_tgt = (t.to(dev) for t in examples(vocab, codes, seqs, "test", a.max_items))
    valid_items = torch.tensor([s[-2] - 1 for s in seqs], device=dev)
    test_items = torch.tensor([s[-1] - 1 for s in seqs], device=dev)
    if a.valid_users:
        g = torch.Generator().manual_seed(a.seed)
        pick = torch.randperm(len(seqs), generator=g)[: a.valid_users].sort().values.to(dev)
        valid_enc, valid_items = valid_enc[pick], valid_items[pick]
    offs = torch.tensor(vocab.offsets[:-1], device=dev)
    dec_in = torch.cat([torch.full((train_tgt.shape[0], 1), vocab.bos, device=dev, dtype=torch.long), (train_tgt + offs)[:, :-1]], 1)

    c = {"dim": a.dim, "heads": a.heads, "headDim": a.head_dim or None, "ffn": a.ffn, "encoderLayers": a.layers, "decoderLayers": a.layers,
         "relBuckets": 32, "relMaxDistance": 128, "codeSizes": sizes}
    model = TigerTorch(c, vocab.size, a.dropout).to(dev)
    for mod in model.modules():  # sidrec's initialisation scale: N(0, .02) weights, zero biases
        if isinstance(mod, (nn.Linear, nn.Embedding)):
            nn.init.normal_(mod.weight, std=0.02)
        if isinstance(mod, nn.Linear):
            nn.init.zeros_(mod.bias)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    N = train_enc.shape[0]
    per_epoch = math.ceil(N / a.batch)
    total = per_epoch * a.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: k / max(1, a.warmup) if k < a.warmup else 0.5 * (1 + math.cos(math.pi * min(1.0, (k - a.warmup) / max(1, total - a.warmup)))))
    res = {"args": vars(a), "device": torch.cuda.get_device_name() if dev.type == "cuda" else "cpu", "torch": torch.__version__,
           "items": n_items, "users": len(seqs), "digits": len(sizes), "codeSizes": sizes, "collisionDigit": collided,
           "trainExamples": N, "stepsPerEpoch": per_epoch, "epochs": [], "prepSeconds": round(time.time() - t0, 1)}
    print(f"{a.sids}: {n_items} items, {len(sizes)} digits {sizes}, {N} examples, {per_epoch} steps/epoch on {res['device']}", file=sys.stderr, flush=True)

    def save():
        tmp = a.out + ".tmp"
        json.dump(res, open(tmp, "w"), indent=1)
        os.replace(tmp, a.out)

    best, best_epoch, best_state, t_train = -1.0, 0, None, time.time()
    for ep in range(1, a.epochs + 1):
        te, loss_sum = time.time(), torch.zeros((), device=dev)
        perm = torch.randperm(N, device=dev)
        for s in range(0, N, a.batch):
            b = perm[s : s + a.batch]
            loss = model.loss(train_enc[b], dec_in[b], train_tgt[b])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if a.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
            sched.step()
            loss_sum += loss.detach()
        train_s = time.time() - te
        v = evaluate(model, vocab, trie, valid_enc, valid_items, a.valid_beam)
        res["epochs"].append({"epoch": ep, "loss": loss_sum.item() / per_epoch, "valid": v, "trainSeconds": round(train_s, 1),
                              "validSeconds": round(time.time() - te - train_s, 1), "lr": sched.get_last_lr()[0]})
        print(json.dumps(res["epochs"][-1]), file=sys.stderr, flush=True)
        if v["ndcg@10"] > best:
            best, best_epoch = v["ndcg@10"], ep
            best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
        res["bestEpoch"], res["bestValid"] = best_epoch, best
        save()
        if ep - best_epoch >= a.patience or time.time() - t_train > a.time_budget:
            res["stopped"] = "patience" if ep - best_epoch >= a.patience else f"time budget after epoch {ep} of {a.epochs}"
            break
    model.load_state_dict(best_state)
    te = time.time()
    res["test"] = evaluate(model, vocab, trie, test_enc, test_items, a.test_beam)
    res["testSeconds"], res["wallSeconds"] = round(time.time() - te, 1), round(time.time() - t0, 1)
    save()
    print(json.dumps({"sids": a.sids, "bestEpoch": best_epoch, "bestValid": best, "test": res["test"]}), flush=True)


if __name__ == "__main__":
    main()
