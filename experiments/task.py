"""The synthetic task: prompts, the reference corpus, the tokenizer, the model config and the reward.

A prompt is a family letter and three "target" letters followed by ``>`` (``"Cbeh>"``). A completion is 12
characters. Its reward has three parts:

- a learnable *quality* ``q``: how many of characters 2-12 are among the prompt's target letters;
- an opening choice: a completion that opens with ``x`` is *risky* (lower mean, wider spread), any other opening is
  *safe*;
- a deterministic pseudo-random term ``h(x, y)`` ~ N(0, 1), a hash of prompt and completion, that no policy can
  learn except by trial.

``f = q + 0.3·h`` (safe) or ``f = q − 2 + 4·h`` (risky), and the raw reward is ``scale_F·f + offset_F`` with a
scale and an offset per family ``F`` that differ by orders of magnitude. The risky opening trades mean for upper
tail: best-of-N favours it, worst-of-N and the plain win rate avoid it. This is the trade-off that separates a
transform tuned for best-of-N from one tuned for worst-of-N (docs/EXPERIMENTS.md).

π_ref is a small GPT-2 trained by supervised learning on ``reference_corpus``: the opening is ``x`` with probability
0.35, and each later character copies a random target letter with probability 0.3, else is uniform over ``a``-``h``.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

LETTERS = "abcdefgh"
RISKY = "x"
COMPLETION_CHARS = LETTERS + RISKY
FAMILIES = "ABCDEFGH"
COMPLETION_LENGTH = 12
#: Per-family scale and offset of the raw reward (orders of magnitude apart; calibration removes them).
SCALES = {"A": 0.05, "B": 20.0, "C": 1.0, "D": 300.0, "E": 0.3, "F": 4.0, "G": 0.01, "H": 60.0}
OFFSETS = {"A": -3.0, "B": 100.0, "C": 0.0, "D": -2000.0, "E": 7.0, "F": -40.0, "G": 0.5, "H": 900.0}
P_RISKY_OPENING = 0.35
P_COPY = 0.3


@dataclass(frozen=True)
class Split:
    """The fixed prompt split: ``train`` prompts for training and calibration, ``held_out`` for evaluation only."""

    train: tuple[str, ...]
    held_out: tuple[str, ...]


def prompt_split(train_per_family: int = 16, held_out_per_family: int = 8, seed: int = 20260) -> Split:
    """Distinct prompts per family, drawn once with a fixed seed; no prompt is in both parts."""
    rng = random.Random(seed)
    train, held = [], []
    for fam in FAMILIES:
        seen: set[str] = set()
        while len(seen) < train_per_family + held_out_per_family:
            seen.add(fam + "".join(rng.choice(LETTERS) for _ in range(3)) + ">")
        ordered = sorted(seen)
        rng.shuffle(ordered)
        train += ordered[:train_per_family]
        held += ordered[train_per_family:]
    return Split(tuple(train), tuple(held))


def reference_completion(prompt: str, rng: random.Random) -> str:
    """One completion from the corpus distribution that π_ref is trained to imitate."""
    targets = prompt[1:4]
    chars = [RISKY if rng.random() < P_RISKY_OPENING else rng.choice(LETTERS)]
    for _ in range(COMPLETION_LENGTH - 1):
        chars.append(rng.choice(targets) if rng.random() < P_COPY else rng.choice(LETTERS))
    return "".join(chars)


def reference_corpus(prompts, count: int, seed: int) -> list[str]:
    """``count`` prompt+completion texts, prompts drawn uniformly from ``prompts``."""
    rng = random.Random(seed)
    return [p + reference_completion(p, rng) for p in (rng.choice(prompts) for _ in range(count))]


def noise(prompt: str, completion: str) -> float:
    """h(x, y): a standard normal variate from a hash of the prompt and completion (Box-Muller on two uniforms)."""
    digest = hashlib.blake2b((prompt + "|" + completion).encode(), digest_size=16).digest()
    u1 = (int.from_bytes(digest[:8], "little") + 0.5) / 2.0**64
    u2 = int.from_bytes(digest[8:], "little") / 2.0**64
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def quality(prompt: str, completion: str) -> int:
    """q: the characters after the opening that are among the prompt's target letters."""
    targets = set(prompt[1:4])
    return sum(c in targets for c in completion[1:COMPLETION_LENGTH])


def is_risky(completion: str) -> bool:
    return completion[:1] == RISKY


def latent_reward(prompt: str, completion: str) -> float:
    """f(x, y) before the family's scale and offset."""
    h = noise(prompt, completion)
    q = quality(prompt, completion)
    return q - 2.0 + 4.0 * h if is_risky(completion) else q + 0.3 * h


def reward(prompt: str, completion: str) -> float:
    """The raw reward: ``scale_F·f + offset_F``, rounded to 6 significant digits (so that the saved JSONL files
    hold exactly the values that were trained on and evaluated, in a few characters each)."""
    fam = prompt[0]
    return float(f"{SCALES[fam] * latent_reward(prompt, completion) + OFFSETS[fam]:.6g}")


def build_tokenizer():
    """A character-level fast tokenizer (pad, eos, unk, then every prompt and completion character); left padding
    as TRL expects."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<eos>", "<unk>"]
    alphabet = sorted(set(FAMILIES + LETTERS + RISKY + ">"))
    core = Tokenizer(models.WordLevel(vocab={t: i for i, t in enumerate(specials + alphabet)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    tok.padding_side = "left"
    return tok


def build_model(tokenizer, seed: int, width: int = 128, layers: int = 2):
    """A GPT-2 built from a config (nothing downloaded): ``layers`` blocks of width ``width``."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=32, n_embd=width, n_layer=layers, n_head=4,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                        pad_token_id=tokenizer.pad_token_id)
    return GPT2LMHeadModel(config)
