"""Adapters that run the CTRL step inside peer trainers' own extension points: ``infalign.integrations.verl``
(verl's advantage-estimator registry) and ``infalign.integrations.trl`` (a reward function and a ``GRPOTrainer``
subclass for TRL). Distillation of the exact tilt (docs/DISTILLATION.md): ``infalign.integrations.distill`` (numpy:
weighted-SFT rows, iterated importance weights), ``infalign.integrations.distill_trl`` (torch: the weighted
sequence NLL, a ``SFTTrainer`` subclass) and ``infalign.integrations.verl_distill`` (verl's policy-loss registry).
Each module imports its trainer lazily; importing this package imports nothing."""
