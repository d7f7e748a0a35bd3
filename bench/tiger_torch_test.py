#!/usr/bin/python3
"""Checks bench/tiger_torch.py's constrained beam search against brute force: with a beam as wide as the catalogue
the search is exhaustive, so its order must be every item sorted by the sum of its digits' log-probabilities under
teacher forcing; with a narrower beam every returned item must be a real item, best first.
Usage: /usr/bin/python3 bench/tiger_torch_test.py (exits 1 on a difference)"""
import sys

import torch
import torch.nn.functional as F

from tiger_torch import TigerTorch, Trie, Vocab, beam_rank

torch.manual_seed(0)
n, sizes = 40, [3, 4, 5]
codes = torch.stack([torch.randint(0, s, (n,)) for s in sizes], 1).unique(dim=0)  # distinct SIDs
vocab, trie = Vocab(sizes, user_buckets=7), Trie(codes, sizes, "cpu")
c = {"dim": 16, "heads": 2, "ffn": 32, "encoderLayers": 1, "decoderLayers": 1, "relBuckets": 8, "relMaxDistance": 16, "codeSizes": sizes}
model = TigerTorch(c, vocab.size).eval()
offs = torch.tensor(vocab.offsets[:-1])
enc = torch.cat([torch.randint(0, vocab.bos, (6, 9)), torch.full((6, 3), -1)], 1)
ok = True
with torch.no_grad():
    ranked = beam_rank(model, vocab, trie, enc, codes.shape[0])
    memory, pad = model.encode(enc)
    for r in range(enc.shape[0]):
        dec = torch.cat([torch.full((codes.shape[0], 1), vocab.bos), (codes + offs)[:, :-1]], 1)
        h = model.decode(dec, memory[r : r + 1].expand(codes.shape[0], -1, -1), pad[r : r + 1].expand(codes.shape[0], -1))
        score = sum(F.log_softmax(model.out[d](h[:, d]), -1).gather(1, codes[:, d : d + 1]).squeeze(1) for d in range(len(sizes)))
        want = score.argsort(descending=True)
        got = ranked[r]
        if not torch.equal(got, want) and not torch.allclose(score[got], score[want], atol=1e-5):
            print(f"row {r}: beam order {got[:8].tolist()} != brute force {want[:8].tolist()}")
            ok = False
    narrow = beam_rank(model, vocab, trie, enc, 5)
    ok &= bool(((narrow >= 0) & (narrow < codes.shape[0])).all())
print(f"{codes.shape[0]} items, {enc.shape[0]} requests: exhaustive beam = brute force ranking" if ok else "DIFFERS")
sys.exit(0 if ok else 1)
