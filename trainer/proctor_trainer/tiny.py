"""A tiny causal LM and a tokenizer trained on your data, for smoke runs with no model hub.

    python -m proctor_trainer.tiny runs/tiny benchmarks/atomic/sft/synthetic_a.jsonl

writes a 2-layer Llama (about 50k parameters) with a byte-level BPE tokenizer trained on the
strings of the given JSONL files. It learns nothing useful; it lets a recipe run end to end, on a
CPU, in seconds: how the tests run every recipe, and how to check a setup before a real run.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["build_tiny_model", "strings_of"]

SPECIAL = {"pad_token": "<|pad|>", "eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>"}


def strings_of(paths: Iterable[Path]) -> Iterator[str]:
    """Every top-level string value of every line of the JSONL files (prompts, completions)."""
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield from (v for v in json.loads(line).values() if isinstance(v, str))


def build_tiny_model(directory: Path, texts: Iterable[str], vocab_size: int = 512, seed: int = 0) -> Path:
    """Save a tiny Llama and its tokenizer (trained on ``texts``) to ``directory``; returns it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    specials = sorted(set(SPECIAL.values()))
    learner = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(texts, learner)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, **SPECIAL)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m proctor_trainer.tiny", description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="directory to write the model and tokenizer to")
    parser.add_argument("data", type=Path, nargs="+", help="JSONL files whose strings train the tokenizer")
    args = parser.parse_args(argv)
    try:
        texts = list(strings_of(args.data))
    except (OSError, ValueError) as exc:
        parser.error(f"cannot read the data: {exc}")
    print(build_tiny_model(args.output, texts))


if __name__ == "__main__":
    main()
