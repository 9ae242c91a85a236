"""The FHIR room: the fund's answers as FHIR R4 resources for clinics' systems (docs/status.md,
"FHIR"). It stands above coverage and benefits and calls their use cases; no room imports it."""
