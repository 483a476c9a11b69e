"""The command line, the configuration and the docs held to the code."""
