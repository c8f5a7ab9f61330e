"""The receptionist's flows, one module per thing the caller is doing (docs/dialogue.md)."""
