"""`facturier sandbox-relay`: Django names commands after their files, and its loader imports this
one by name (importlib accepts the dash), so the name the docs use works as is."""

from facturier.dispatch.management.commands.sandbox_relay import Command

__all__ = ["Command"]
