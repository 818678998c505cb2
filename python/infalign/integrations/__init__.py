"""Adapters that run the CTRL step inside peer trainers' own code paths (``infalign.integrations.verl``: verl's
advantage-estimator registry). Each adapter imports its trainer lazily; importing this package imports nothing."""
