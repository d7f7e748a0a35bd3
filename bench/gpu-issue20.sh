#!/bin/bash
# The issue-20 reference runs in PyTorch, all at once on one GPU (under MPS when its daemon starts): bench/tiger_torch.py
# on the three published SID sets of external-sids/ at the experiments/tiger-beauty-qwen3.json recipe, and the
# independent ../shared/bench/rpg_torch.py (through bench/rpg_torch_device.py) on this project's OPQ 32x256 SIDs at the
# T03 settings (the agreement curve, every user) and at the RPG paper's model and schedule. Each job trains for at most
# BUDGET seconds (default 420), then tests its best validation epoch; results land in $OUT (results/torch-h200/ holds
# the 2026-12-04 run). The device machine reaches nothing outside the repository, so DATA (default gpu/data; gpu/ is in
# .git/info/exclude and carried) must hold: sequences.txt and the three *.index.json of ../shared/data/amazon-beauty(/external-sids), and
# opq32-sids.json, the SIDs as {"item id": [codes]}, written by `node dist/bench/rpg-parity.js DATA SIDS OUT --steps 1`
# from `sidrec tokenize --features text,attributes,cooccurrence --kind opq --subspaces 32 --seed 0`; and gpu/rpg_torch.py,
# a copy of ../shared/bench/rpg_torch.py. Locally (no GPU): OUT=/tmp/o DATA=small/ PY=/usr/bin/python3 BUDGET=1 bash ...
set -u
export PYTHONUNBUFFERED=1; PY=${PY:-python3}
L=$OUT/gpu.txt
date -u >> $L; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >> $L 2>&1; nproc >> $L
$PY -c "import torch;print('torch', torch.__version__, torch.cuda.is_available())" >> $L 2>&1
if nvidia-cuda-mps-control -d >> $L 2>&1; then
  if timeout 60 $PY -c "import torch; x=torch.ones(1,device='cuda'); print('MPS client ok', (x+1).item())" >> $L 2>&1; then echo "MPS on" >> $L
  else echo quit | nvidia-cuda-mps-control; echo "MPS off: the client failed" >> $L; fi
else echo "MPS off: no daemon" >> $L; fi
D=${DATA:-gpu/data}; B=${BUDGET:-420}
for s in qwen3-rqvae-zcr letter qwen3-rkmeans-zcr; do
  $PY bench/tiger_torch.py --data $D --sids $D/$s.index.json --out $OUT/tiger-$s.json --epochs 30 --lr 0.002 --warmup 1000 \
    --valid-users 4000 --time-budget $B 2>> $L &
done
$PY bench/rpg_torch_device.py gpu/rpg_torch.py --data $D --sids $D/opq32-sids.json --dim 128 --ffn 256 --epochs 35 --patience 35 \
  --batch 64 --lr 0.003 --warmup 500 --temperature 0.03 --dropout 0.1 --time-budget $B --out $OUT/rpg-t03.json 2> $OUT/rpg-t03.log &
$PY bench/rpg_torch_device.py gpu/rpg_torch.py --resid-dropout 0 --data $D --sids $D/opq32-sids.json --dim 448 --ffn 1024 \
  --epochs 150 --patience 20 --batch 256 --lr 0.01 --warmup 10000 --temperature 0.03 --dropout 0.5 --attn-dropout 0.5 \
  --valid-users 4000 --time-budget $B --out $OUT/rpg-paper.json 2> $OUT/rpg-paper.log &
wait
date -u >> $L
