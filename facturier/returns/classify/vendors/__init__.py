"""Non-standard bounces: plain-text notices from MTAs that send no RFC 3464 report.

`generic` reads what the plain-text formats share (a notice, the failed addresses where MTAs put
them, the reply that follows each one, the copy of our message after a marker line); that covers
qmail, Exim, Postfix without DSN, Sendmail, Exchange, Domino, Courier, Yahoo, Gmail and the other
MTAs of the Sisimai corpus. A format that is not text gets its own module (`amazonses`: JSON).
Wordings that only one MTA uses live with the rule they feed: `reasons` (au's "550 : User unknown",
Yahoo's "dd This user doesn't have ...", Microsoft's "Access denied"), `generic` (Exim's
X-Failed-Recipients, qmail's "<address>:" lines).
"""
