"""The migration runtime: executes checked .mig programs against records (builtins, interpreter)."""
