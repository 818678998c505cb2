"""The training experiment (issue 20): does CTRL win more under best-of-N and worst-of-N at equal KL when policies are
trained for real? See experiments/README.md and docs/EXPERIMENTS.md."""
