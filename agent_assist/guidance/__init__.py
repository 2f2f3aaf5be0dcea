"""Guidance: playbook rules (``playbook``) applied to the engine events (``engine``)."""
