"""kb: a curated knowledge base of research resources."""
__version__ = "0.1.0"
