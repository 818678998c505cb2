"""Adapters that run the CTRL step inside peer trainers' own extension points: ``infalign.integrations.verl``
(verl's advantage-estimator registry) and ``infalign.integrations.trl`` (a reward function and a ``GRPOTrainer``
subclass for TRL). Each module imports its trainer lazily; importing this package imports nothing."""
