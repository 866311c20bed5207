"""Random number generation (being written)."""

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator"]
Generator = manual_seed = seed = initial_seed = get_rng_state = set_rng_state = None
default_generator = None
