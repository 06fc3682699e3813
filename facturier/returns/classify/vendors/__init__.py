"""Non-standard bounces: plain-text notices from MTAs that send no RFC 3464 report.

`generic.read` handles what the formats share (a notice text, failed addresses near the reason,
the copy of our message after a marker line); the vendor modules add what only one format does.
"""
