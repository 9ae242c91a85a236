"""Reading the audit log: the auditor's search (API, page, command line) and a citizen's own view
of who looked at their data (docs/audit.md). Writing it is ``osms.core.audit``'s."""
