"""The attachment room: clinics, doctors' districts and who is attached where (rules.md §5)."""
