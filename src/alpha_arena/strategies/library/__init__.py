"""The rule strategies and baselines, one module each; ``strategies.registry`` names them."""
