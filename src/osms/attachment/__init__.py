"""The attachment room: clinics, doctors' districts and who is attached where (docs/attachment.md)."""
