"""netadvisor: which Docker network driver to use, why, and the exact commands to set it up."""

__version__ = "0.1.0"
