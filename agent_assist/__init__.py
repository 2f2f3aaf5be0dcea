"""agent-assist: an offline agent-assist overlay for contact-center agents."""

__version__ = "0.1.0"
