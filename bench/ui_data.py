"""Benchmark data for the screens, generated inside PostgreSQL with INSERT ... SELECT generate_series.

Nothing crosses the wire row by row: each table is one statement, and the ids are explicit so that
dispatches and events can point at invoices without lookups. The mix is meant to look like two
years of a mid-sized company: ~1,370 invoices a day, mostly delivered, a few percent bounced, the
last days still scheduled, a resend for about one invoice in ten.

Every NOT NULL column is given here (Django puts no defaults in the database): a new NOT NULL
column on these models has to be added below, or the insert names it in its error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

# Deterministic pseudo-random bucket 0..999 for row i (Knuth's multiplicative hash).
R = "((({i}::bigint * 2654435761) % 4294967296) % 1000)"

DOMAINS = [
    "gmail.com", "orange.fr", "wanadoo.fr", "free.fr", "outlook.fr", "laposte.net", "sfr.fr",
    "hotmail.fr", "yahoo.fr", "icloud.com", "bbox.fr", "proton.me",
]  # fmt: skip
NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
]  # fmt: skip
FORMS = ["SARL", "SAS", "SA", "EURL", "& Fils", "Associés", "Conseil", "Bâtiment"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _status_case(r: str) -> str:
    # The rolled-up status of an invoice from its bucket: the realistic mix for sent invoices.
    return f"""CASE
        WHEN {r} < 600 THEN 'delivered'
        WHEN {r} < 720 THEN 'accepted'
        WHEN {r} < 770 THEN 'read'
        WHEN {r} < 790 THEN 'replied'
        WHEN {r} < 820 THEN 'auto_replied'
        WHEN {r} < 850 THEN 'bounced_hard'
        WHEN {r} < 870 THEN 'bounced_soft'
        WHEN {r} < 875 THEN 'failed'
        WHEN {r} < 877 THEN 'complained'
        WHEN {r} < 887 THEN 'cancelled'
        WHEN {r} < 892 THEN 'delayed'
        WHEN {r} < 893 THEN 'uncertain'
        ELSE 'delivered' END"""


def statements(*, invoices: int, customers: int, days: int, pending_days: int) -> list[tuple[str, str]]:
    """(label, SQL) in dependency order. Invoices issued in the last `pending_days` days are still
    scheduled: their dispatches fall in the coming days, 8:00 to 17:59, for the schedule chart."""
    ri = R.format(i="i")
    names, forms, domains = _array(NAMES), _array(FORMS), _array(DOMAINS)
    per_day = max(1, invoices // days)
    resend_every = 10
    return [
        (
            "customers",
            f"""INSERT INTO crm_customer (id, created_at, updated_at, external_ref, name, language, time_zone,
                send_days, send_from, send_until, postal_name, postal_line1, postal_line2, postal_code,
                postal_city, postal_country, phone, complaint_flag, preferences)
            SELECT i, now(), now(), 'C' || lpad(i::text, 6, '0'),
                ({names})[1 + i % {len(NAMES)}] || ' ' || ({forms})[1 + (i / 20) % {len(FORMS)}] || ' ' || i,
                CASE WHEN i % 10 = 0 THEN 'en' ELSE 'fr' END, '', '12345', '08:00', '18:00',
                'Client ' || i, i || ' rue de la Paix', '', lpad((i % 95000 + 1000)::text, 5, '0'), 'Paris', 'FR',
                '', false, '{{}}'::jsonb
            FROM generate_series(1, {customers}) AS i""",
        ),
        (
            "customer e-mails",
            f"""INSERT INTO crm_customeremail (customer_id, address, status, status_reason, active, created_at,
                updated_at)
            SELECT i, 'compta' || i || '@' || CASE WHEN i % 3 = 0 THEN 'client' || (i % 700) || '.fr'
                ELSE ({domains})[1 + i % {len(DOMAINS)}] END,
                CASE WHEN i % 40 = 0 THEN 'invalid' ELSE 'verified' END, '', true, now(), now()
            FROM generate_series(1, {customers}) AS i""",
        ),
        (
            "invoices",
            f"""INSERT INTO invoices_invoice (id, created_at, updated_at, number, customer_id, issue_date, due_date,
                total, currency, pdf, pdf_sha256, source, status, status_detail, last_event_at, extra)
            SELECT i, now(), now(), 'F-' || lpad(i::text, 8, '0'), 1 + (i::bigint * 7919) % {customers}, d, d + 30,
                round((20 + {ri} * 3.7)::numeric, 2), 'EUR', 'invoices/bench/' || i || '.pdf',
                md5(i::text) || md5(i::text), 'api',
                CASE WHEN d > current_date - {pending_days} THEN 'scheduled' ELSE {_status_case(ri)} END,
                '', d + time '08:05', '{{}}'::jsonb
            FROM (SELECT i, current_date - ({invoices} - i) / {per_day} AS d
                  FROM generate_series(1, {invoices}) AS i) s""",
        ),
        (
            "dispatches",
            # Ordered by invoice, so rows sit on disk in creation order as they do in real use (a
            # time window then reads neighbouring pages, not pages all over the table).
            f"""INSERT INTO dispatch_dispatch (id, invoice_id, channel, purpose, recipient, state, scheduled_at, due_at,
                token, message_id, attempts, claimed_by, accepted_at, state_changed_at, last_reply, created_at,
                created_by)
            SELECT i.id, i.id, 'email', 'invoice', e.address,
                CASE WHEN i.status = 'partial' THEN 'delivered' ELSE i.status END,
                at, at, md5('d' || i.id), CASE WHEN i.status = 'scheduled' THEN NULL ELSE '<' || i.id || '@bench>' END,
                CASE WHEN i.status = 'scheduled' THEN 0 ELSE 1 END, '',
                CASE WHEN i.status IN ('scheduled', 'cancelled') THEN NULL ELSE at + interval '3 seconds' END,
                at, '', at - interval '1 hour', 'system'
            FROM (SELECT inv.*, CASE WHEN inv.status = 'scheduled'
                    THEN date_trunc('day', now()) + ((inv.id % {pending_days + 4}) || ' days')::interval
                         + ((8 + inv.id % 10) || ' hours')::interval + ((inv.id % 60) || ' minutes')::interval
                    ELSE inv.issue_date + time '08:00' + ((inv.id % 600) || ' minutes')::interval END AS at
                  FROM invoices_invoice inv) i
            JOIN crm_customeremail e ON e.customer_id = i.customer_id
            ORDER BY i.id""",
        ),
        (
            "resends",
            # One invoice in ten was sent a second time (an earlier bounce, a corrected address).
            f"""INSERT INTO dispatch_dispatch (id, invoice_id, channel, purpose, recipient, state, scheduled_at, due_at,
                token, message_id, attempts, claimed_by, accepted_at, state_changed_at, last_reply, created_at,
                created_by, resend_of_id)
            SELECT {invoices} + d.id, d.invoice_id, 'email', 'invoice', d.recipient, 'delivered',
                d.scheduled_at + interval '2 days', d.scheduled_at + interval '2 days', md5('r' || d.id),
                '<r' || d.id || '@bench>', 1, '', d.scheduled_at + interval '2 days',
                d.scheduled_at + interval '2 days', '', d.scheduled_at + interval '2 days', 'bench', d.id
            FROM dispatch_dispatch d WHERE d.id % {resend_every} = 0 AND d.state NOT IN ('scheduled', 'cancelled')
            ORDER BY d.id""",
        ),
        (
            "events",
            # Three per invoice (scheduled, accepted by the relay, then what came back) and one per
            # resend: ~3.1 M rows.
            f"""INSERT INTO dispatch_deliveryevent (invoice_id, dispatch_id, at, kind, from_state, to_state, summary,
                evidence, actor)
            SELECT d.invoice_id, d.id, d.scheduled_at - interval '1 hour' + (k || ' minutes')::interval,
                CASE k WHEN 1 THEN 'scheduled' WHEN 2 THEN 'smtp_accepted' ELSE
                    CASE WHEN d.state LIKE 'bounced%' THEN 'bounce' WHEN d.state = 'auto_replied' THEN 'auto_reply'
                         WHEN d.state = 'read' THEN 'read_receipt' WHEN d.state = 'replied' THEN 'reply'
                         ELSE 'dsn' END END,
                CASE k WHEN 1 THEN '' WHEN 2 THEN 'sending' ELSE 'accepted' END,
                CASE k WHEN 1 THEN 'scheduled' WHEN 2 THEN 'accepted' ELSE d.state END,
                'email to ' || d.recipient, '{{}}'::jsonb, 'system'
            FROM dispatch_dispatch d CROSS JOIN generate_series(1, 3) AS k
            WHERE d.id <= {invoices} AND (k = 1 OR d.state <> 'scheduled')
            UNION ALL
            SELECT d.invoice_id, d.id, d.created_at, 'resend', '', 'scheduled', 'resend to ' || d.recipient,
                '{{}}'::jsonb, 'bench'
            FROM dispatch_dispatch d WHERE d.id > {invoices}""",
        ),
        (
            "returned messages",
            """INSERT INTO returns_inboundmessage (id, received_at, source, sha256, raw_compressed, size,
                envelope_from, envelope_to, from_header, subject, message_id_header, state, kind, error,
                process_attempts, processed_at)
            SELECT d.id, d.scheduled_at + interval '20 minutes', 'imap', md5('m' || d.id) || md5('n' || d.id),
                '\\x'::bytea,
                0, '', 'bounces+' || d.token || '@invoices.example.com', 'MAILER-DAEMON', 'Returned mail', '',
                'processed', v.kind, '', 1, d.scheduled_at + interval '21 minutes'
            FROM dispatch_dispatch d
            JOIN (VALUES ('bounced_hard', 'hard_bounce'), ('bounced_soft', 'soft_bounce'),
                         ('auto_replied', 'auto_reply'), ('read', 'read_receipt'), ('replied', 'reply'),
                         ('complained', 'complaint'), ('delayed', 'delayed')) AS v(state, kind) ON v.state = d.state""",
        ),
        (
            "return verdicts",
            """INSERT INTO returns_returnverdict (inbound_id, dispatch_id, kind, reason, status, rcpt, diagnostic,
                original_message_id, envelope_id, matched_by, created_at)
            SELECT m.id, m.id, m.kind, '', CASE WHEN m.kind = 'hard_bounce' THEN '5.1.1' ELSE '' END, '', '', '', '',
                'verp', m.processed_at
            FROM returns_inboundmessage m""",
        ),
        (
            "work items",
            # An item per hard bounce of the last 60 days (open), and closed ones before that.
            """INSERT INTO worklist_workitem (kind, state, title, detail, invoice_id, customer_id, dispatch_id,
                created_at, closed_at, auto_closed, resolution)
            SELECT 'invalid_address', CASE WHEN recent THEN 'open' ELSE 'closed' END,
                'Invalid address ' || d.recipient, '', d.invoice_id, i.customer_id, d.id,
                d.scheduled_at + interval '30 minutes',
                CASE WHEN recent THEN NULL ELSE d.scheduled_at + interval '1 day' END,
                false, CASE WHEN recent THEN '' ELSE 'address corrected' END
            FROM (SELECT *, scheduled_at > now() - interval '60 days' AS recent FROM dispatch_dispatch) d
            JOIN invoices_invoice i ON i.id = d.invoice_id
            WHERE d.state = 'bounced_hard' AND d.scheduled_at > now() - interval '150 days'""",
        ),
    ]


SEQUENCES = [
    ("crm_customer", "id"),
    ("crm_customeremail", "id"),
    ("invoices_invoice", "id"),
    ("dispatch_dispatch", "id"),
    ("dispatch_deliveryevent", "id"),
    ("returns_inboundmessage", "id"),
    ("returns_returnverdict", "id"),
    ("worklist_workitem", "id"),
]


def _drop_indexes(cursor: Any, tables: list[str]) -> list[str]:
    """Drop the secondary indexes and unique constraints (primary keys stay), to rebuild them after
    the load: one sort per index is much faster than millions of random inserts (tokens and
    Message-IDs are random). Returns the statements that recreate them."""
    cursor.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
           WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype = 'u'""",
        [tables],
    )
    uniques = cursor.fetchall()
    for table, name, _definition in uniques:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = ANY(%s) AND i.schemaname = 'public'
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [tables],
    )
    plain = cursor.fetchall()
    for name, _definition in plain:
        cursor.execute(f'DROP INDEX "{name}"')
    restore = [definition for _name, definition in plain]
    restore += [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for table, name, definition in uniques]
    return restore


def generate(
    cursor: Any, *, invoices: int, customers: int, days: int = 730, pending_days: int = 3, say: Callable[[str], None]
) -> dict[str, int]:
    """Fill the tables; returns row counts. The cluster runs with fsync off (throwaway)."""
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute("SET synchronous_commit = off")
    # The rows are consistent by construction: skip the per-row foreign-key triggers (superuser only,
    # which the throwaway cluster's role is).
    cursor.execute("SET session_replication_role = replica")
    indexes = _drop_indexes(cursor, [table for table, _column in SEQUENCES])
    counts: dict[str, int] = {}
    for label, sql in statements(invoices=invoices, customers=customers, days=days, pending_days=pending_days):
        started = time.monotonic()
        cursor.execute(sql)
        counts[label] = cursor.rowcount
        say(f"  {label:<18} {cursor.rowcount:>10,} rows  {time.monotonic() - started:6.1f} s")
    started = time.monotonic()
    for definition in indexes:
        cursor.execute(definition)
    cursor.execute("SET session_replication_role = origin")
    say(f"  {len(indexes)} indexes rebuilt        {time.monotonic() - started:6.1f} s")
    for table, column in SEQUENCES:
        top = f"(SELECT coalesce(max({column}), 1) FROM {table})"
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), {top})")
    return counts
