"""LEADER Rx teacher-refinement pipeline.

Stages (each a function and a `python -m leader_pipeline` sub-command), PyHealth-style:
dataset (exported by Rust: samples, prompts, vocabularies) -> teacher (LLM + LoRA + new
medication head, BCE) -> student (set encoders + visit encoder, BCE + alpha * feature
distillation) -> export (ONNX bundle with parity check). Rust owns the data, the prompt and
the encoding; this package only trains and exports. Its one output is a model bundle.
"""

__version__ = "0.1.0"
