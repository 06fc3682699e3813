"""Status code and diagnostic text -> Reason, and Reason -> hard or soft.

Hard means the address itself is invalid (`result.HARD_REASONS`); everything else is soft. The
split follows the labelled Sisimai corpus: userunknown, hostunknown, hasmoved and notaccept (on a
5xx) are its hard-bounce reasons, every other failure reason is soft.

The remote MTA's words are read first because enhanced status codes are often generic (5.0.0,
5.7.1) or wrong (5.1.1 for a full mailbox); the code decides only when the text says nothing.
"""

from __future__ import annotations

import re

from facturier.returns.classify import mime
from facturier.returns.classify.result import HARD_REASONS, Kind, Reason

# Speed: every alternative starts with a literal character, so that CPython's regex engine can skip
# the positions where no alternative can start (one that starts with \b, a lookbehind or a group
# disables that for the whole pattern). The two patterns that cannot, run only behind a cheap
# substring test (_GATES).
# Order matters: the first reason whose pattern matches wins. More specific causes come first, so
# "mailbox full" beats a generic "rejected", and "user unknown" beats a generic "policy".
_PATTERNS: list[tuple[Reason, str]] = [
    (
        Reason.MAILER_ERROR,  # the local delivery program failed, whatever it says about the user
        r"procmail|x-unix|command died|exit status \d|pipe to |unknown mailer error",
    ),
    (
        Reason.MAILBOX_FULL,
        r"mail ?box (?:is )?full|mailbox (?:size|quota)|over ?quota|quota (?:exceeded|full|violation)"
        r"|exceeded (?:the |his |her |its )?(?:storage|quota|mailbox)|storage (?:allocation|quota|space)"
        r"|insufficient (?:disk|storage)|disk quota|out of storage|inbox is full|mailbox exceeded"
        r"|mailfolder is full|user is over|is over (?:the |their )?(?:quota|storage)|was over (?:the |their )?quota"
        r"|boite pleine"
        r"|exceeding its mailbox limit|mailbox has exceeded|not enough (?:storage|space)|full mailbox"
        r"|has exceeded (?:his|her|its|the) (?:quota|limit|mailbox)|would exceed (?:the )?quota"
        r"|recipient'?s? mailbox is full|account is full|quota exceed|exceeds? (?:the )?quota"
        r"|mailbox limit|box is full|mailbox size exceeded|too many messages in (?:the|this) mailbox",
    ),
    (
        Reason.MESSAGE_TOO_LARGE,
        r"message (?:is )?too (?:large|big)|too (?:large|big) (?:message|for)|message size exceeds"
        r"|exceeds? (?:the )?(?:maximum |max )?(?:message )?size|size limit|message length exceeds"
        r"|mail size|maximum (?:allowed )?(?:message )?size|message file too big|size exceeds",
    ),
    (
        Reason.VIRUS,
        r"virus|malware|infected|malicious",
    ),
    (
        Reason.HAS_MOVED,
        r"has moved|has been moved|address (?:has )?changed|user has moved|mailbox has moved"
        r"|no longer (?:at|with) |new address",
    ),
    (
        Reason.NOT_ACCEPTED,
        r"does not accept (?:any )?mail|accepts? no mail|null mx|not accept(?:ing)? (?:any )?(?:e-?)?mail"
        r"|domain does not receive|mail receiving disabled|indicated no smtp service",
    ),
    (
        Reason.SUSPENDED,
        # (Postfix's "delivery temporarily suspended" is its queue state: see _NORMALISE.)
        r"suspended|account (?:has been |is |was )?(?:disabled|deactivated|inactive|locked|frozen|expired|closed"
        r"|terminated|discontinued)|mailbox (?:has been |is |was )?(?:disabled|deactivated|inactive|locked"
        r"|frozen|closed)|user (?:has been |is |was )?(?:disabled|deactivated|inactive|locked)"
        r"|address (?:has been |is |was )?(?:disabled|deactivated|inactive)"
        r"|not (?:an )?active|inactive (?:user|account|mailbox)|account (?:is )?unavailable|archiv(?:e|é)e"
        r"|disabled (?:account|mailbox|user|recipient)|temporarily (?:disabled|deactivated)"
        r"|mailbox (?:currently )?unavailable due|no longer active|has been deleted|is disabled|been disabled",
    ),
    (
        Reason.FILTERED,
        # au (KDDI) answers "550 : User unknown", with no address, when the recipient's own
        # filter refuses the sender; an unknown address gets "550 <address>: User unknown".
        r"5\d\d:? : user unknown|recipient(?:'s)? preferences|recipient has blocked|blocked by (?:the )?user"
        r"|refused by (?:the )?recipient(?! domain)|rejected by (?:the )?recipient(?! domain)"
        r"|blocked by (?:the )?recipient(?! domain)",
    ),
    (
        Reason.USER_UNKNOWN,
        # Microsoft EOP's directory-based edge blocking: "Recipient address rejected: Access denied"
        r"recipient address rejected: access denied|address couldn't be found"
        r"|user(?:name)? (?:is )?unknown|unknown (?:user|recipient|local|mailbox|address|e-?mail)"
        r"|no such (?:user|mailbox|recipient|account|local user|address|person)|user not (?:found|known|exist)"
        r"|mailbox (?:does not|doesn't|did not|not) exist|recipient (?:does not|doesn't|did not|not) exist"
        r"|user (?:does not|doesn't|did not|not) exist|account (?:does not|doesn't|did not|not) exist"
        r"|address (?:does not|doesn't|did not|not) exist|addressee (?:does not|doesn't|not) exist"
        r"|mailbox (?:name )?(?:not found|unknown|invalid|unavailable)"
        r"|recipient (?:name )?(?:not found|unknown|invalid|unavailable)"
        r"|user (?:name )?(?:not found|unknown|invalid|unavailable)|account (?:not found|unknown|invalid)"
        r"|address (?:not found|unknown|invalid|unavailable)|addressee (?:not found|unknown|invalid)"
        r"|invalid (?:recipient|mailbox|user|address|e-?mail address)"
        r"|recipient address (?:is )?(?:unknown|not valid|invalid)"
        r"|e-?mail address (?:is )?(?:unknown|not valid|invalid)"
        r"|not (?:a )?(?:valid|known) (?:user|recipient|mailbox)"
        r"|no mailbox|no (?:account|mailbox) (?:by|with|here)|bad destination mailbox|mailbox (?:is )?not found"
        r"|does not have an? (?:\S+ )?account|doesn't have an? (?:\S+ )?account|not our customer"
        r"|email account (?:that )?you tried to reach does not exist|undeliverable address|illegal alias"
        r"|unknown or illegal|recipientnotfound|recipient not found|not listed in"
        r"|destination addresses? (?:were|was) unknown"
        r"|no valid recipients?|unknown address|addressee unknown|is not a valid|user doesn't exist"
        r"|non-?existent (?:user|address|mailbox|recipient)|destinataire inconnu|utilisateur inconnu"
        r"|adresse (?:inconnue|invalide)|no existe|inexistente|unbekannt|unzustellbar an|nicht vorhanden"
        r"|unknown in (?:virtual|local|relay)|no such address|mailbox unavailable|not a valid mailbox"
        r"|user_unknown|unknown_user|invalid (?:final delivery )?userid|recipient address rejected\.?\s*$"
        r"|not listed in|not recogni[sz]ed",
    ),
    (
        Reason.NETWORK,
        r"host not found, try again|malformed or unexpected name server|temporary dns"
        r"|dns (?:temporary|timeout|servfail)",
    ),
    (
        Reason.ON_HOLD,
        r"on hold",
    ),
    (
        Reason.SECURITY,
        r"delivery not authori[sz]ed",
    ),
    (
        Reason.CONTENT_REJECTED,
        r"media error|not compliant with rfc|message header (?:is )?(?:invalid|malformed)",
    ),
    (
        Reason.HOST_UNKNOWN,
        r"host or domain name not found|host (?:or domain name )?(?:not found|unknown)|unknown (?:host|domain)"
        r"|domain (?:name )?(?:not found"
        r"|does not exist|doesn't exist|unknown|is not found)|no such domain|name or service not known"
        r"|unroutea?ble|couldn'?t find any host|no mx|mx record|illegal host|domain must exist"
        r"|host not found|nxdomain|dns error: domain|unable to resolve|couldn't find a mail exchanger"
        r"|no (?:host|domain) (?:by|with) that name|non-?existent domain|domain name not found"
        r"|unknown mail domain|domain is not (?:valid|configured|reachable)|domain may not exist"
        r"|dns lookup fail",
    ),
    (
        Reason.HOST_UNKNOWN,  # "553 mx.example.org does not exist": a host name, not an address
        r"(?<![@.\w])(?:[a-z0-9-]+\.)+[a-z]{2,} does not exist",
    ),
    (
        Reason.RELAY_DENIED,
        r"relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)|not permitted to relay"
        r"|unable to relay|we do not relay|relay access|cannot relay|open relay|no relaying",
    ),
    (
        Reason.AUTH_FAILURE,
        r"spf|dkim|dmarc|sender policy framework|not authenticated|authentication (?:check )?failed"
        r"|unauthenticated|authentication checks",
    ),
    (
        Reason.SECURITY,
        r"starttls|tls|encryption required|authentication required|must issue a starttls|certificate"
        r"|secure connection",
    ),
    (
        Reason.BLOCKED,  # our IP or host name: blocklists, reverse DNS; before "spam" ("spamhaus")
        r"blocked using|spamhaus|spamcop|dnsbl|rbl|blacklist|blocklist|listed (?:in|on|at) |reputation"
        r"|reverse dns|reverse lookup|ptr record|no ptr|rdns|refused to talk",
    ),
    (
        Reason.POLICY,
        r"denied (?:by|due to) (?:local |our )?polic|rejected (?:by|due to) (?:local |our )?polic"
        r"|refused (?:by|due to) (?:local |our )?polic|blocked (?:by|due to) (?:local |our )?polic"
        r"|policy violation"
        r"|violates? .{0,30}polic",
    ),
    (
        Reason.SENDER_REJECTED,
        r"sender (?:address )?(?:rejected|refused|denied|not allowed|blocked|verify failed)"
        r"|domain of sender address|sender verification|envelope sender|mail from.{0,20}(?:rejected|refused)"
        r"|sender domain|return path|from address|invalid sender|sender is (?:not|invalid)"
        r"|we do not accept mail from|rejected from|address (?:domain|verification)",
    ),
    (
        Reason.REJECTED_AS_SPAM,
        r"spam|junk mail|bulk (?:e-?)?mail|unsolicited|looks like|content filter|phish",
    ),
    (
        Reason.REJECTED_AS_SPAM,  # UBE / UCE: unsolicited bulk / commercial e-mail
        r"\bu[bc]e\b",
    ),
    (
        Reason.RATE_LIMITED,
        r"too many (?:connections|messages|recipients|sessions|concurrent)|rate limit|throttl|slow down"
        r"|exceeded (?:the )?(?:rate|sending|connection)|too fast|too much mail|receiving mail at a rate"
        r"|connection limit|frequency",
    ),
    (
        Reason.BLOCKED,
        r"blacklist|blocklist|black list|block list|rbl|dnsbl|spamhaus|sorbs|spamcop|barracuda|listed (?:in|on|at)"
        r"|reputation|reverse (?:dns|lookup)|ptr record|rdns|client host|your ip|ip address|blocked"
        r"|connection refused by|not allowed to send|hostname lookup|access denied|refused to talk"
        r"|banned|denied|cannot find your hostname|dynamic ip|dial-?up",
    ),
    (
        Reason.CONTENT_REJECTED,
        r"content|header|rfc ?5322|rfc ?2822|rfc ?822|mime-version|mime part|8bit|8-bit|attachment|message-id"
        r"|improper|malformed|not compliant",
    ),
    (
        Reason.POLICY,
        r"polic|violat|prohibited|not allowed|not permitted|refused|rejected|filter",
    ),
    (
        Reason.EXPIRED,  # said outright, it wins over the last error quoted after it
        r"message expired|retry timeout exceeded|gave up|giving up|not going to try again|too long in (?:the )?queue"
        r"|have been failing for a long time|could not be delivered (?:for|within)|queue lifetime",
    ),
    (
        Reason.NETWORK,  # the last error of a connection that never happened
        r"connection (?:refused|reset|timed out)|no route to host|host is unreachable|network is unreachable",
    ),
    (
        Reason.EXPIRED,
        r"retry (?:timeout|time|period)|expired|giving up|gave up|queue lifetime|could not be delivered (?:for|within)"
        r"|not (?:been )?delivered (?:for|within)|timed? ?out|time limit|delivery time|too long in (?:the )?queue"
        r"|undeliverable for|couldn't be delivered within|message has been in the queue|deferred",
    ),
    (
        Reason.NETWORK,
        r"connection (?:refused|reset|closed|lost|timed)|lost connection|no route|unreachable|network"
        r"|could not connect|couldn't connect|unable to connect|routing loop|mail loop|loop detected"
        r"|too many hops|hop count|dns|name server|connect to",
    ),
    (
        Reason.MAILER_ERROR,
        r"x-unix|procmail|pipe to|command died|mailer error|exit status|execve|program|local delivery failed"
        r"|command output|unknown mailer",
    ),
    (
        Reason.SYSTEM_ERROR,
        r"system error|internal error|server error|local error|temporary (?:failure|error)|service unavailable"
        r"|not accepting|i/o error|insufficient (?:system )?resources|system (?:is )?(?:busy|full|not)"
        r"|configuration error|misconfigur|try again later",
    ),
    (
        Reason.SYNTAX_ERROR,
        r"syntax error|command unrecognized|bad sequence|command not (?:recognized|implemented)|invalid command",
    ),
]

# Compiled without re.IGNORECASE and matched against lower-cased text: several times faster on
# CPython, whose case-insensitive matching cannot use literal prefixes.
_GATES = {
    r"(?<![@.\w])(?:[a-z0-9-]+\.)+[a-z]{2,} does not exist": ("does not exist",),
    r"\bu[bc]e\b": ("ube", "uce"),
}
_COMPILED = [(reason, re.compile(pattern), _GATES.get(pattern, ())) for reason, pattern in _PATTERNS]
# Fixed phrases whose words would mislead the patterns: Postfix's queue state "delivery temporarily
# suspended" says nothing about a suspended mailbox.
_NORMALISE = (("delivery temporarily suspended", "delivery deferred"),)
_TEXT_LIMIT = 2000  # the reply for one recipient is short; the rest is boilerplate

# RFC 3463 subject/detail -> reason, for when the text says nothing useful.
_STATUS_DETAIL: dict[str, Reason] = {
    "1.0": Reason.USER_UNKNOWN,  # other address status: only used when the text is vague
    "1.1": Reason.USER_UNKNOWN,
    "1.2": Reason.HOST_UNKNOWN,
    "1.3": Reason.USER_UNKNOWN,  # bad destination mailbox address syntax
    "1.4": Reason.USER_UNKNOWN,  # ambiguous destination
    "1.5": Reason.DELIVERED,
    "1.6": Reason.HAS_MOVED,
    "1.7": Reason.SENDER_REJECTED,
    "1.8": Reason.SENDER_REJECTED,
    "1.10": Reason.NOT_ACCEPTED,  # RFC 7505 null MX
    "2.0": Reason.FILTERED,
    "2.1": Reason.SUSPENDED,
    "2.2": Reason.MAILBOX_FULL,
    "2.3": Reason.EXCEED_LIMIT,
    "2.4": Reason.MAILER_ERROR,
    "3.2": Reason.NOT_ACCEPTED,  # system not accepting network messages
    "3.0": Reason.SYSTEM_ERROR,
    "3.1": Reason.SYSTEM_ERROR,
    "3.3": Reason.SYSTEM_ERROR,
    "3.4": Reason.MESSAGE_TOO_LARGE,
    "3.5": Reason.SYSTEM_ERROR,
    "4.0": Reason.NETWORK,
    "4.1": Reason.NETWORK,
    "4.2": Reason.NETWORK,
    "4.3": Reason.NETWORK,
    "4.4": Reason.HOST_UNKNOWN,  # unable to route: no MX / no A record for the domain
    "4.5": Reason.NETWORK,
    "4.6": Reason.NETWORK,  # routing loop
    "4.7": Reason.EXPIRED,
    "5.0": Reason.SYNTAX_ERROR,
    "6.0": Reason.CONTENT_REJECTED,
    "7.0": Reason.POLICY,
    "7.1": Reason.POLICY,
    "7.7": Reason.CONTENT_REJECTED,
    "7.8": Reason.AUTH_FAILURE,
    "7.13": Reason.SUSPENDED,  # Microsoft: user account disabled
    "7.25": Reason.BLOCKED,  # RFC 7372: reverse DNS validation failed
    "7.26": Reason.AUTH_FAILURE,  # RFC 7372: multiple authentication checks failed
    "7.27": Reason.NOT_ACCEPTED,  # RFC 7505: sender domain has null MX
}


def reason_from_text(text: str) -> Reason | None:
    if not text:
        return None
    text = text[:_TEXT_LIMIT].lower()
    for phrase, replacement in _NORMALISE:
        if phrase in text:
            text = text.replace(phrase, replacement)
    for reason, pattern, gate in _COMPILED:
        if gate and not any(word in text for word in gate):
            continue
        if pattern.search(text):
            return reason
    return None


_STATUS_IN_TEXT = re.compile(r"(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])")


def reason_from_status(status: str) -> Reason | None:
    if not status:
        return None
    _klass, _sep, detail = status.partition(".")
    return _STATUS_DETAIL.get(detail)


# Codes that name one cause unambiguously: they win over the words, which are often a generic
# template ("Recipient address rejected: ...", "Delivery failed").
# (X.1.10 is not among them: RFC 7505 uses it for a null MX, Microsoft for RecipientNotFound.)
_AUTHORITATIVE = {"1.2", "1.6", "1.7", "1.8", "2.2", "2.3", "3.2", "3.4", "7.13", "7.25", "7.26", "7.27"}
# Text reasons too vague to overrule a status code that names a cause ("Address rejected.").
_VAGUE = {Reason.POLICY, Reason.UNDEFINED, Reason.SYSTEM_ERROR, Reason.CONTENT_REJECTED}

# The SMTP command the remote server was answering (Postfix "in reply to end of DATA command",
# Exim "after RCPT TO:", Sendmail ">>> DATA", qmail/DMA "did not like our RCPT TO").
_COMMAND = re.compile(
    r"(?:in reply to|after|smtp command:?|smtp:|>>>|did not like our|during|progress was|\[)\s*(?:end of\s*)?"
    r"(data|rcpt[ _]to|rcpt|mail[ _]from|mail|helo|ehlo|connect|starttls)\b",
)


_ERROR_REPLY = re.compile(r"^(?:<<<\s*)?[45]\d\d\b|\b[45]\d\d[ -][45]\.\d", re.M)


def smtp_command(text: str) -> str:
    """The command answered by the first error reply: in a session transcript the commands that
    follow it (Sendmail goes on with ">>> DATA" after a refused RCPT) are not the cause."""
    text = mime.lower_ascii(text[:4000])
    if "no valid recipients" in text:
        # Pipelining (RFC 2920): the RCPT refusals arrive after DATA is sent, and the server
        # answers DATA with "no valid recipients". The stage that failed was RCPT.
        return "rcpt"
    first_error = _ERROR_REPLY.search(text)
    limit = first_error.start() if first_error else len(text)
    command = ""
    for match in _COMMAND.finditer(text):
        if match.start() > limit and command:
            break
        command = match.group(1).lower()
        if match.start() > limit:
            break
    return {"rcpt to": "rcpt", "rcpt_to": "rcpt", "mail from": "mail", "mail_from": "mail"}.get(command, command)


def reason_for(status: str, diagnostic: str, context: str = "") -> Reason:
    """The reason for one failed recipient, from its status code, its own diagnostic and the text
    around it (`context`: the part of the notice that concerns this recipient)."""
    if not status or status.endswith(".0.0"):
        # A generic code: the reply itself often carries the precise one ("(#5.1.1)").
        found = _STATUS_IN_TEXT.search(diagnostic)
        if found and (not status or found.group(1) == status[0]):
            status = ".".join(found.groups())
    detail = status.partition(".")[2]
    by_status = reason_from_status(status)
    if detail in _AUTHORITATIVE and by_status is not None:
        return by_status
    reason = reason_from_text(diagnostic) or reason_from_text(context)
    if reason in _VAGUE and by_status is not None and not detail.startswith("0"):
        reason = by_status
    if reason is None:
        if by_status is not None and not detail.startswith("0"):
            reason = by_status
        else:
            reason = Reason.EXPIRED if status.startswith("4") else (by_status or Reason.UNDEFINED)
    if reason not in _STAGE_DEPENDENT:
        return reason
    text = diagnostic + "\n" + context
    return _adjust(reason, detail, status, smtp_command(text), text)


# The only reasons that the SMTP stage can change (see _adjust): the command is looked for only then.
_STAGE_DEPENDENT = {Reason.USER_UNKNOWN, Reason.HOST_UNKNOWN, Reason.UNDEFINED}


# Wordings that come from a directory lookup of the address itself, not from a filter: Domino
# ("not listed in Domino Directory"), Exchange ("recipient name is not recognized"), Outlook.com
# ("mailbox unavailable"), Gmail ("the address couldn't be found"), Postfix-style replies that
# name the address ("550 <a@b>: User unknown").
_DIRECTORY_MISS = re.compile(
    r"not listed in|not recogni[sz]ed|mailbox unavailable|address couldn't be found|invalid final delivery userid"
    r"|unknown user:|5\d\d[ :]+<[^<>\s]+@[^<>\s]+>: user unknown|delivery error: dd "
)


def _adjust(reason: Reason, detail: str, status: str, command: str, text: str) -> Reason:
    if reason in (Reason.USER_UNKNOWN, Reason.HOST_UNKNOWN) and command == "mail":
        return Reason.SENDER_REJECTED  # refused at MAIL FROM: about our sender, not the address
    if reason is Reason.USER_UNKNOWN and not detail.startswith("1.") and command != "rcpt":
        # "User unknown" that neither a X.1.x code nor the RCPT stage backs up is not enough to
        # call the address dead: refused after DATA, the recipient existed at RCPT time and a
        # filter (or the recipient's own settings, as Japanese carriers do: au answers
        # "550 : User unknown") refused the message. A hard bounce wrongly given stops mail to a
        # valid customer, so without a stage only the directory wordings count.
        lowered = mime.lower_ascii(text[:_TEXT_LIMIT])
        if "delivery error: dd this user doesn't have" in lowered:
            return reason  # Yahoo refuses unknown addresses only after DATA, in these words
        if command or not _DIRECTORY_MISS.search(lowered):
            return Reason.FILTERED
    if reason is Reason.UNDEFINED and command == "mail":
        return Reason.SENDER_REJECTED
    if reason is Reason.HOST_UNKNOWN and status.startswith("4"):
        return Reason.NETWORK  # a DNS failure the MTA will retry is not a missing domain
    return reason


def failure_kind(reason: Reason, status: str) -> Kind:
    """Hard only when the address is invalid and the failure permanent (a 4.x.x is retried)."""
    if reason in HARD_REASONS and not (status.startswith("4") and reason is Reason.NOT_ACCEPTED):
        return Kind.HARD_BOUNCE
    return Kind.SOFT_BOUNCE
