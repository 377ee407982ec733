#!/usr/bin/python3
"""Moves an unfinished recognizer training between machines through git.

A trainer checkpoint (scripts/train_recognizer.py: weights, AdamW state, data
position, RNG) is ~14 MB, over what the repository takes per file (8 MB). A
pack splits it into two files under lib/models/rec_latin_checkpoint/: the
weights in fp32 and everything else with the optimizer moments in bf16 (their
rounding only perturbs the step sizes, and the run resumes from the same step).

  /usr/bin/python3 scripts/rec_checkpoint_pack.py pack /work/rec/ckpt lib/models/rec_latin_checkpoint
  /usr/bin/python3 scripts/rec_checkpoint_pack.py unpack lib/models/rec_latin_checkpoint /work/rec/ckpt

unpack writes ckpt_<step>.pt into the checkpoint folder, where
train_recognizer.py --resume finds it. Delete the pack once the model ships.
"""
import glob
import hashlib
import os
import sys

import torch


MOMENTS = ("exp_avg", "exp_avg_sq")  # AdamW's per-weight moments; its step counts stay exact


def to_dtype(opt_state, dtype):
    for per_param in opt_state["state"].values():
        for name in MOMENTS:
            if name in per_param:
                per_param[name] = per_param[name].to(dtype)
    return opt_state


def pack(ckpt_dir, out_dir):
    latest = sorted(glob.glob(os.path.join(ckpt_dir, "ckpt_*.pt")))[-1]
    state = torch.load(latest, map_location="cpu")
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state.pop("model"), os.path.join(out_dir, "weights.pt"))
    state["opt"] = to_dtype(state["opt"], torch.bfloat16)
    torch.save(state, os.path.join(out_dir, "state.pt"))
    with open(os.path.join(out_dir, "SHA256SUMS"), "w") as out:
        for name in ("weights.pt", "state.pt"):
            digest = hashlib.sha256(open(os.path.join(out_dir, name), "rb").read()).hexdigest()
            out.write(f"{digest}  {name}\n")
    print(f"packed {latest} (step {state['step']}) into {out_dir}")


def unpack(pack_dir, ckpt_dir):
    state = torch.load(os.path.join(pack_dir, "state.pt"), map_location="cpu")
    state["opt"] = to_dtype(state["opt"], torch.float32)
    state["model"] = torch.load(os.path.join(pack_dir, "weights.pt"), map_location="cpu")
    os.makedirs(ckpt_dir, exist_ok=True)
    path = os.path.join(ckpt_dir, "ckpt_%08d.pt" % state["step"])
    torch.save(state, path)
    print(f"unpacked step {state['step']} into {path}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    (pack if sys.argv[1] == "pack" else unpack)(sys.argv[2], sys.argv[3])
