"""Support bot: answers billing questions for ACME customers."""
