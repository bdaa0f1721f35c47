"""The composition root: the `moralbank` command builds and wires every other package."""
