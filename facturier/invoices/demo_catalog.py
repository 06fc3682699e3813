"""The demo's cast: companies with plausible names and addresses in France, Germany, the UK and North
America, their billing addresses and send windows, and what they buy. Plain data, no database."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Each sandbox domain makes the bundled relay (and the returns demo) answer the way its name says:
# a hard bounce, a full mailbox, an out-of-office, a delay notice, a human reply.
SANDBOX_DOMAINS = (
    "bounce.sandbox.test",
    "full.sandbox.test",
    "ooo.sandbox.test",
    "delay.sandbox.test",
    "reply.sandbox.test",
)


@dataclass(frozen=True)
class Company:
    name: str
    language: str
    country: str
    street: str
    postal_code: str
    city: str
    time_zone: str = ""  # empty: the company's TIME_ZONE


COMPANIES: tuple[Company, ...] = (
    Company("Boulangerie Martin SARL", "fr", "FR", "12 rue de la République", "69002", "Lyon"),
    Company("Garage Dupont & Fils", "fr", "FR", "48 avenue Jean Jaurès", "33000", "Bordeaux"),
    Company("Cabinet Lefèvre Avocats", "fr", "FR", "7 place Bellecour", "69002", "Lyon"),
    Company("Transports Moreau SAS", "fr", "FR", "ZI des Vignes, 3 rue Ampère", "44300", "Nantes"),
    Company("Pharmacie Girard", "fr", "FR", "21 boulevard Voltaire", "75011", "Paris"),
    Company("Menuiserie Bernard", "fr", "FR", "5 chemin des Artisans", "35000", "Rennes"),
    Company("Hôtel du Lac", "fr", "FR", "2 quai Napoléon III", "74000", "Annecy"),
    Company("Librairie Rousseau", "fr", "FR", "30 rue des Carmes", "31000", "Toulouse"),
    Company("Imprimerie Fontaine SA", "fr", "FR", "116 rue Nationale", "59000", "Lille"),
    Company("Clinique vétérinaire Lambert", "fr", "FR", "9 allée des Tilleuls", "67000", "Strasbourg"),
    Company("Agence immobilière Faure", "fr", "FR", "64 La Canebière", "13001", "Marseille"),
    Company("Brasserie Le Gall", "fr", "FR", "3 rue de Siam", "29200", "Brest"),
    Company("Électricité Roux & Cie", "fr", "FR", "17 rue Pasteur", "38000", "Grenoble"),
    Company("Domaine Bonnet", "fr", "FR", "Lieu-dit Les Combes", "21200", "Beaune"),
    Company("Fromagerie Mercier", "fr", "FR", "8 rue du Marché", "73000", "Chambéry"),
    Company("Plomberie Blanc", "fr", "FR", "22 rue Victor Hugo", "06000", "Nice"),
    Company("Cave Dubois", "fr", "FR", "11 rue Sainte-Catherine", "33000", "Bordeaux"),
    Company("Kaz Créole Traiteur", "fr", "RE", "14 rue de Paris", "97400", "Saint-Denis", "Indian/Reunion"),
    Company("Bäckerei Müller GmbH", "de", "DE", "Friedrichstraße 112", "10117", "Berlin", "Europe/Berlin"),
    Company("Schmidt & Söhne KG", "de", "DE", "Maximilianstraße 8", "80539", "München", "Europe/Berlin"),
    Company("Autohaus Weber", "de", "DE", "Hohenzollernring 55", "50672", "Köln", "Europe/Berlin"),
    Company("Praxis Dr. Fischer", "de", "DE", "Mönckebergstraße 7", "20095", "Hamburg", "Europe/Berlin"),
    Company("Ingenieurbüro Wagner", "de", "DE", "Zeil 90", "60313", "Frankfurt am Main", "Europe/Berlin"),
    Company("Becker Logistik GmbH", "de", "DE", "Hafenstraße 21", "28217", "Bremen", "Europe/Berlin"),
    Company("Hoffmann Elektrotechnik", "de", "DE", "Königstraße 40", "70173", "Stuttgart", "Europe/Berlin"),
    Company("Huber Sport AG", "de", "CH", "Bahnhofstrasse 31", "8001", "Zürich", "Europe/Zurich"),
    Company("Smith & Partners Ltd", "en", "GB", "14 Charterhouse Square", "EC1M 6AX", "London", "Europe/London"),
    Company("Harbour View Hotel", "en", "GB", "3 Narrow Quay", "BS1 4QA", "Bristol", "Europe/London"),
    Company("Northwind Traders Ltd", "en", "GB", "101 Deansgate", "M3 2BQ", "Manchester", "Europe/London"),
    Company("Green Leaf Gardens", "en", "IE", "27 Baggot Street Lower", "D02 X658", "Dublin", "Europe/Dublin"),
    Company("Taylor Engineering Inc.", "en", "US", "350 Fifth Avenue", "NY 10118", "New York", "America/New_York"),
    Company("Brightwater Consulting LLC", "en", "US", "200 Clarendon Street", "MA 02116", "Boston", "America/New_York"),
    Company("Oakridge Dental Clinic", "en", "CA", "100 King Street West", "ON M5X 1A9", "Toronto", "America/Toronto"),
    Company("Pacific Rim Imports Pte Ltd", "en", "SG", "8 Marina Boulevard", "018981", "Singapore", "Asia/Singapore"),
    Company(
        "Hudson Valley Printing Inc.", "en", "US", "41 Main Street", "NY 12601", "Poughkeepsie", "America/New_York"
    ),
    Company("Atelier Chevalier", "fr", "BE", "Rue Neuve 45", "1000", "Bruxelles", "Europe/Brussels"),
)

CONTACTS = {
    "fr": ("Service comptabilité", "À l'attention de la comptabilité", "Direction administrative"),
    "de": ("Buchhaltung", "z. Hd. Rechnungseingang", "Verwaltung"),
    "en": ("Accounts Payable", "Attn: Accounts Department", "Finance Office"),
}
MAILBOXES = {
    "fr": ("comptabilite", "factures", "compta", "administration"),
    "de": ("buchhaltung", "rechnungen", "rechnungseingang", "verwaltung"),
    "en": ("accounts", "billing", "invoices", "ap"),
}
DOMAIN_SUFFIX = {"fr": "example.fr", "de": "example.de", "en": "example.com"}
COUNTRY_NAMES = {
    "FR": "FRANCE",
    "RE": "LA RÉUNION",
    "DE": "DEUTSCHLAND / GERMANY",
    "CH": "SUISSE / SWITZERLAND",
    "BE": "BELGIQUE",
    "GB": "UNITED KINGDOM",
    "IE": "IRELAND",
    "US": "UNITED STATES",
    "CA": "CANADA",
    "SG": "SINGAPORE",
}
# (ISO weekdays, from, until): office hours, mornings only, mid-week, long days.
WINDOWS = (
    ("12345", dt.time(8), dt.time(18)),
    ("12345", dt.time(8), dt.time(18)),
    ("12345", dt.time(9), dt.time(17)),
    ("1234", dt.time(8), dt.time(12)),
    ("234", dt.time(10), dt.time(16)),
    ("12345", dt.time(7), dt.time(19)),
    ("135", dt.time(9), dt.time(18)),
)


@dataclass(frozen=True)
class Product:
    fr: str
    en: str
    de: str
    price: Decimal

    def label(self, language: str) -> str:
        return str(getattr(self, language, self.en))


PRODUCTS: tuple[Product, ...] = (
    Product(
        "Maintenance mensuelle du parc informatique",
        "Monthly IT maintenance",
        "Monatliche IT-Wartung",
        Decimal("450.00"),
    ),
    Product(
        "Licence logiciel de gestion (annuelle)",
        "Management software licence (annual)",
        "Lizenz Verwaltungssoftware (jährlich)",
        Decimal("1200.00"),
    ),
    Product("Journée de conseil", "Consulting day", "Beratungstag", Decimal("850.00")),
    Product("Heure de support technique", "Technical support hour", "Stunde technischer Support", Decimal("95.00")),
    Product(
        "Formation utilisateurs (demi-journée)",
        "User training (half day)",
        "Anwenderschulung (halber Tag)",
        Decimal("520.00"),
    ),
    Product("Hébergement serveur (mois)", "Server hosting (month)", "Server-Hosting (Monat)", Decimal("189.90")),
    Product("Ramette papier A4 80 g", "A4 paper ream 80 gsm", "Kopierpapier A4 80 g (Paket)", Decimal("5.40")),
    Product("Cartouche d'encre noire", "Black ink cartridge", "Tintenpatrone schwarz", Decimal("38.50")),
    Product("Déplacement et frais de route", "Travel and expenses", "Anfahrt und Reisekosten", Decimal("120.00")),
    Product("Audit de sécurité", "Security audit", "Sicherheitsaudit", Decimal("2400.00")),
    Product("Nom de domaine (1 an)", "Domain name (1 year)", "Domainname (1 Jahr)", Decimal("14.99")),
    Product(
        "Abonnement sauvegarde en ligne", "Online backup subscription", "Online-Backup-Abonnement", Decimal("29.00")
    ),
)


@dataclass(frozen=True)
class CustomerSpec:
    ref: str
    company: Company
    contact: str
    emails: tuple[str, ...]
    window: tuple[str, dt.time, dt.time]
    extra: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        c = self.company
        days, start, end = self.window
        return {
            "name": c.name,
            "language": c.language,
            "time_zone": c.time_zone,
            "send_days": days,
            "send_from": start,
            "send_until": end,
            "postal_name": c.name,
            "postal_line1": c.street,
            "postal_line2": self.contact,
            "postal_code": c.postal_code,
            "postal_city": c.city,
            "postal_country": c.country,
            "phone": "",
        }


def customer_specs(count: int, rng: random.Random) -> list[CustomerSpec]:
    """count customers: the companies above in turn (numbered when count exceeds them). The first
    ones receive on the sandbox test domains, so every kind of return shows up in the demo."""
    specs = []
    for i in range(count):
        company = COMPANIES[i % len(COMPANIES)]
        if i >= len(COMPANIES):
            company = _renamed(company, i // len(COMPANIES) + 1)
        specs.append(
            CustomerSpec(
                ref=f"DEMO-C{i + 1:03d}",
                company=company,
                contact=rng.choice(CONTACTS[company.language]),
                emails=_emails(i, company, rng),
                window=rng.choice(WINDOWS),
            )
        )
    return specs


def _renamed(company: Company, n: int) -> Company:
    return Company(
        f"{company.name} ({n})",
        *(getattr(company, f) for f in ("language", "country", "street", "postal_code", "city", "time_zone")),
    )


def _emails(i: int, company: Company, rng: random.Random) -> tuple[str, ...]:
    slug = _slug(company.name)
    box = rng.choice(MAILBOXES[company.language])
    if i < len(SANDBOX_DOMAINS):
        return (f"{box}.{slug}@{SANDBOX_DOMAINS[i]}",)
    first = f"{box}@{slug}.{DOMAIN_SUFFIX[company.language]}"
    if rng.random() < 0.3:  # some customers want a copy to a second mailbox
        second = rng.choice([b for b in MAILBOXES[company.language] if b != box])
        return (first, f"{second}@{slug}.{DOMAIN_SUFFIX[company.language]}")
    return (first,)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def address_block(customer: Any) -> tuple[str, ...]:
    """The buyer's postal address as printed in the envelope window."""
    lines = [customer.postal_name or customer.name, customer.postal_line2, customer.postal_line1]
    lines.append(f"{customer.postal_code} {customer.postal_city}".strip())
    if customer.postal_country:
        lines.append(COUNTRY_NAMES.get(customer.postal_country, customer.postal_country))
    return tuple(line for line in lines if line)
