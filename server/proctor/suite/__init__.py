"""The atomic and synthetic function suite: contamination-free tasks whose expected outputs come from the sandbox."""
