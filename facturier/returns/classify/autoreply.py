"""Automatic replies: RFC 3834 headers, vendor headers, multilingual subjects, return dates.

RFC 3834 §5 asks responders to send `Auto-Submitted: auto-replied`; many do not, so the vendor
headers (Exchange's X-Auto-Response-Suppress, X-Autoreply, X-Autorespond, Precedence) and the
subject lines that Outlook, Exchange, Gmail, Thunderbird and webmails write in each language count too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from facturier.returns.classify.parsed import Parsed

# The words responders put first in the subject (Outlook/Exchange "Automatic reply:", "Réponse
# automatique :", "Abwesenheitsnotiz:", "Afwezigheidsmelding:", Lotus "AUTO:", ...). Only at the start:
# "Re: absence de paiement" is a person writing about an absence.
_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic|matische?|matique|matica|m[aá]tica|matisch)?[ -]?(?:reply|response|answer|antwort"
    r"|r[eé]ponse|risposta|respuesta|antwoord)|auto:|autoreply|autoresponse|out of (?:the )?office"
    r"|abwesenheit|abwesend|absence|absent|afwezig|afwezigheid|ausser haus|außer haus|fuera de la oficina"
    r"|ausencia|assente|assenza|fuori (?:sede|ufficio)|vacation|on vacation|away from|away until|congés"
    r"|en congé|en vacances|vacances|urlaub|ferien|vakantie|vacaciones|ferie|automatisch antwoord"
    r"|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|resposta autom[aá]tica"
    r"|out-of-office|ooo\b|i am away|je suis absent|message d'absence|niet aanwezig|niet op kantoor"
    r"|nicht im büro|auto-reply|absence du bureau)",
    re.I,
)

_CHALLENGE = re.compile(
    r"prove (?:that )?you(?:'re| are) (?:a )?human|confirm (?:that )?you(?:'re| are) (?:a )?(?:human|real)"
    r"|not a (?:robot|spammer)|verify (?:that )?you(?:'re| are)|sender verification|challenge.response"
    r"|click (?:on )?the (?:link|button) below to (?:confirm|verify|deliver|validate)|whitelist|allowlist"
    r"|approved senders? list|spam ?arrest|mailinblack|boxbe|choicemail|bluebottle|sanebox|spamcombat"
    r"|(?:vous|que vous) n'[eê]tes pas un robot|[eê]tes bien un humain|valider votre (?:message|adresse|envoi)"
    r"|confirmer votre (?:message|adresse|envoi)|sind kein roboter|bestätigen sie (?:ihre|dass)"
    r"|no (?:es|eres) un robot|non sei un robot|geen robot",
    re.I,
)

_VENDOR_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Mailer-Autoreply")


def is_auto_reply(p: Parsed) -> bool:
    auto = p.header("Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return True
    for name in _VENDOR_HEADERS:
        if p.header(name):
            return True
    if p.header("X-Auto-Response-Suppress") and _SUBJECT.search(p.subject):
        return True
    precedence = p.header("Precedence").lower()
    if precedence in ("auto_reply", "auto-reply"):
        return True
    if precedence in ("bulk", "junk") and _SUBJECT.search(p.subject):
        return True
    return bool(_SUBJECT.search(p.subject))


def has_responder_subject(p: Parsed) -> bool:
    return bool(_SUBJECT.search(p.subject))


def is_challenge(p: Parsed) -> bool:
    return bool(_CHALLENGE.search(p.subject) or _CHALLENGE.search(p.body_text[:5000]))


# -- return dates ----------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv januar jän jänner enero ene gennaio gen januari",
        "february feb février fevrier févr fevr februar febrero febbraio febr februari",
        "march mar mars märz maerz marzo maart mrt",
        "april apr avril avr abril aprile",
        "may mai mayo maggio mag mei",
        "june jun juin juni junio giugno giu",
        "july jul juillet juil juli julio luglio lug",
        "august aug août aout august agosto ago augustus",
        "september sep sept septembre septiembre setiembre settembre set",
        "october oct octobre oktober octubre ottobre ott okt",
        "november nov novembre noviembre",
        "december dec décembre decembre dezember dez diciembre dic dicembre",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

# Words that introduce the day the person is back, per language. The date that follows is read.
# Two kinds of wording, per language: "back on <date>" names the return day itself; "away until
# <date>" names the last day away or the return day, depending on the writer — read as the return
# day, unless marked inclusive ("inclus", "einschließlich", "t/m"), then the day after. Bare
# "from"/"dal"/"al" are left out: "away from 3 to 14 May" would give the wrong day.
_BACK = (
    r"back (?:in the office |at (?:my desk|work) |in |on )?(?:on |from )?"
    r"|return(?:ing)? (?:to the office )?(?:on |from )?|available (?:again )?(?:on|from)"
    r"|de retour (?:au bureau )?(?:le |à partir du |a partir du |dès le )?|retour (?:prévu )?(?:le )?"
    r"|reviens (?:le )?|reviendrai (?:le )?|rentre (?:le )?"
    r"|à partir du|a partir du|zurück (?:am|ab)?|wieder (?:im büro |erreichbar |da )?(?:am|ab)|ab dem|ab"
    r"|de vuelta (?:el )?|a partir del|regreso el|volveré el"
    r"|di ritorno (?:il )?|rientro (?:il |previsto (?:il |per il )?)?"
    r"|terug (?:op|vanaf)?|vanaf|weer aanwezig (?:op|vanaf)?"
)
_UNTIL = (
    r"until|till|through|jusqu'au|jusqu'à|bis (?:zum|einschließlich|einschliesslich|am)?|hasta el|hasta"
    r"|fino al|tot en met|t/m|tot"
)
_INCLUSIVE_AFTER = re.compile(r"\s*\(?(?:inclus|included|inclusive|incluido|incluso|compreso)", re.I)
_INCLUSIVE_BEFORE = re.compile(r"einschlie|t/m|tot en met", re.I)
_WEEKDAY = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|jueves|viernes"
    r"|lunedì|martedì|mercoledì|giovedì|venerdì|maandag|dinsdag|woensdag|donderdag|vrijdag)[,.]?\s+(?:the\s+|den\s+|le\s+|el\s+|il\s+)?"
)
_NUMERIC = r"(?P<d1>\d{1,2})[./-](?P<m1>\d{1,2})(?:[./-](?P<y1>\d{2,4}))?\.?"
_ISO = r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
_DAY_MONTH = (
    rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th|er|e|\.|º|°)?\s+(?:de\s+|of\s+)?(?P<m2>{_MONTH_RE})\.?"
    rf"(?:\s+(?:de\s+)?(?P<y2>\d{{4}}))?"
)
_MONTH_DAY = rf"(?P<m3>{_MONTH_RE})\.?\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y3>\d{{4}}))?"
_DATE = rf"(?:le\s+|the\s+|den\s+|el\s+|il\s+)?(?:{_WEEKDAY})?(?:{_ISO}|{_DAY_MONTH}|{_MONTH_DAY}|{_NUMERIC})\b"
_BACK_DATE = re.compile(rf"(?:{_BACK})\s*{_DATE}", re.I)
_UNTIL_DATE = re.compile(rf"(?P<until>{_UNTIL})\s*{_DATE}", re.I)


def return_date(text: str, received: date | None) -> date | None:
    """The day the person is back, if the text states it; years are resolved against `received`."""
    text = text[:4000]
    for match in _BACK_DATE.finditer(text):
        found = _to_date(match, received)
        if found is not None:
            return found
    for match in _UNTIL_DATE.finditer(text):
        found = _to_date(match, received)
        if found is not None:
            inclusive = _INCLUSIVE_BEFORE.search(match.group("until")) or _INCLUSIVE_AFTER.match(text, match.end())
            return found + timedelta(days=1) if inclusive else found
    return None


def _to_date(match: re.Match[str], received: date | None) -> date | None:
    g = match.groupdict()
    year: int | None
    if g["iy"]:
        year, month, day = int(g["iy"]), int(g["im"]), int(g["id"])
    elif g["d2"]:
        day, month, year = int(g["d2"]), _MONTHS[g["m2"].lower()], _year(g["y2"])
    elif g["m3"]:
        day, month, year = int(g["d3"]), _MONTHS[g["m3"].lower()], _year(g["y3"])
    else:
        # Day first (Europe). US month-first only when the day-first reading is impossible.
        day, month, year = int(g["d1"]), int(g["m1"]), _year(g["y1"])
        if month > 12 and day <= 12:
            day, month = month, day
    if year is None:
        ref = received or datetime.now(tz=UTC).date()
        year = ref.year
        try:
            if date(year, month, day) < ref.replace(day=1) and (ref - date(year, month, day)).days > 31:
                year += 1  # "back on 5 January", written in December
        except ValueError:
            return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value
