"""Integrations of the CTRL step with peer trainers (TRL, verl, OpenRLHF); each module imports its peer lazily."""
