"""The benefits room: care types, the GOBMP and OSMS packages, and entitlement (docs/benefits.md)."""
