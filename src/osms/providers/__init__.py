"""The providers room: the register of health-care subjects, procurement and contracts (docs/providers.md)."""
