"""A run of plain submissions stored together on PostgreSQL's writer: a few statements a
batch, not three a form.

`store.submission_steps` runs a form as three round trips (the look-up, the response with
its items, the review flags' count); in a batch of thirty that is ninety statements, each
with its protocol and executor start-up on both sides of the socket — on two cores shared
by the server, PostgreSQL and the clients, that overhead is the rate. Here a batch's plain
forms — no assignment to close, no quota, no 核验码 to use up: the residents' QR forms, the
meeting-room codes, the mystery visits — go as:

1. one statement that looks every form up (replayed key, cycle state, live link), inserts
   the responses that pass in the batch's order (`ON CONFLICT DO NOTHING`: the "one per"
   indexes refuse a second ballot, within the batch as against stored rows) and their items;
2. one look-up of the keys whose insert was refused (a retry acknowledged earlier, in this
   batch or by the other process);
3. one count of both review flags for every form with an address, each form counting only
   what was stored before it — never a later form of the same batch — and one insert of
   the flags raised.

Every outcome equals what `submission_steps` gives the same forms run one after another
(`tests/storage/test_pg_batch.py` compares the two on generated batches). A refusal here
never follows a write of its own form; a statement the server refuses raises, and the
writer sends the batch back to run form by form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evaluation import clock
from evaluation.errors import Conflict
from evaluation.responses.store import (
    BURST_THRESHOLD,
    BURST_WINDOW,
    CYCLE_NOT_OPEN,
    IDENTICAL_THRESHOLD,
    KEY_ELSEWHERE,
    LINK_REVOKED,
    Submission,
    already_rated,
    flag_reasons,
)

Outcome = int | BaseException

INSERT_BATCH = """
WITH input AS MATERIALIZED (
  SELECT t.*, nextval(pg_get_serial_sequence('response', 'id')) AS id
  FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[],
              $8::text[], $9::bool[], $10::text[], $11::text[], $12::text[], $13::text[],
              $14::text[], $15::timestamptz[], $16::int[])
       WITH ORDINALITY AS t(cycle, ratee, rater_group, rater, code, channel, batch_label,
                            comment, verified, client_key, key_scope, device, source_hash,
                            fingerprint, submitted_at, link, ord)
),
checked AS MATERIALIZED (
  SELECT input.*, old.id AS replayed, old.key_scope AS replayed_scope,
         (SELECT state FROM cycle WHERE cycle.id = input.cycle) AS state,
         (input.link IS NULL OR EXISTS (SELECT 1 FROM resident_link
                                        WHERE resident_link.id = input.link
                                          AND resident_link.revoked_at IS NULL)) AS link_live
  FROM input LEFT JOIN response AS old ON old.client_key = input.client_key
),
created AS (
  INSERT INTO response (id, cycle, ratee, rater_group, rater, code, channel, batch_label,
                        comment, verified, client_key, key_scope, device, source_hash,
                        fingerprint, submitted_at)
  SELECT id, cycle, ratee, rater_group, rater, code, channel, batch_label, comment, verified,
         client_key, key_scope, device, source_hash, fingerprint, submitted_at
  FROM checked
  WHERE replayed IS NULL AND state = 'open' AND link_live
  ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING id
),
items AS (
  INSERT INTO response_item (response, competency, level, note)
  SELECT created.id, item.competency, item.level, item.note
  FROM unnest($17::int[], $18::text[], $19::int[], $20::text[])
       WITH ORDINALITY AS item(ord, competency, level, note, position)
  JOIN checked ON checked.ord = item.ord
  JOIN created ON created.id = checked.id
  ORDER BY item.position
)
SELECT checked.replayed, checked.replayed_scope, checked.state, checked.link_live, created.id
FROM checked LEFT JOIN created ON created.id = checked.id
ORDER BY checked.ord
"""

KEYS_STORED = "SELECT client_key, id, key_scope FROM response WHERE client_key = ANY($1::text[])"

# Each form counts what was stored before it: not a later form of this batch ($7 from its
# position on), which its run one by one would not yet have seen.
COUNT_FLAGS = f"""
SELECT
  (SELECT count(*) FROM (SELECT 1 FROM response AS r
     WHERE r.source_hash = f.source_hash AND r.cycle = f.cycle AND r.submitted_at >= f.since
       AND NOT (r.id = ANY(($7::int[])[f.position + 1:]))
     LIMIT {BURST_THRESHOLD}) AS recent),
  (SELECT count(*) FROM (SELECT 1 FROM response AS r
     WHERE r.ratee = f.ratee AND r.cycle = f.cycle AND r.source_hash = f.source_hash
       AND r.fingerprint = f.fingerprint AND r.source_hash <> ''
       AND NOT (r.id = ANY(($7::int[])[f.position + 1:]))
     LIMIT {IDENTICAL_THRESHOLD}) AS same)
FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::text[], $6::int[])
     AS f(source_hash, cycle, since, ratee, fingerprint, position)
ORDER BY f.position
"""

INSERT_FLAGS = """
INSERT INTO response_flag (response, reason, detail, created_at, decision)
SELECT *, '' FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[])
"""


# the response's columns as INSERT_BATCH takes them ($1–$14), from the form's fields
COLUMNS = (
    "cycle_id",
    "ratee_id",
    "group",
    "rater_id",
    "code_id",
    "channel",
    "batch_label",
    "comment",
    "verified",
    "client_key",
    "key_scope",
    "device",
    "source_hash",
    "fingerprint",
)


def batchable(s: Submission) -> bool:
    """A form with nothing to do between its look-up and its insert but the insert."""
    return (
        s.assignment_id is None
        and not s.verification_hash
        and (s.top_allowed is None or s.rater_id is None)
    )


async def store_batch(conn: Any, submissions: list[Submission]) -> list[Outcome]:
    """Each form's response id, or the refusal it met; in the order given."""
    moments = [s.received_at or clock.now() for s in submissions]
    rows = await conn.fetch(INSERT_BATCH, *_response_columns(submissions, moments))
    created = {n: int(row[4]) for n, row in enumerate(rows) if row[4] is not None}
    outcomes: dict[int, Outcome] = {}
    earlier_keys: dict[str, tuple[int, str]] = {}  # keys stored by this batch's earlier forms
    for n, (s, (replayed, scope, state, link_live, _)) in enumerate(
        zip(submissions, rows, strict=True)
    ):
        if replayed is None and s.client_key in earlier_keys:
            replayed, scope = earlier_keys[s.client_key]
        if replayed is not None:  # run alone, its look-up would have found the key
            outcomes[n] = _replay(s, (replayed, scope))
        elif state != "open":
            outcomes[n] = Conflict(CYCLE_NOT_OPEN)
        elif not link_live:
            outcomes[n] = Conflict(LINK_REVOKED)
        elif n in created:
            outcomes[n] = created[n]
            if s.client_key:
                earlier_keys[s.client_key] = (created[n], s.key_scope)
    await _settle_refused_inserts(conn, submissions, outcomes, set(created.values()))
    await _flag(conn, submissions, moments, sorted(created.items()))
    return [outcomes[n] for n in range(len(submissions))]


async def _settle_refused_inserts(
    conn: Any, submissions: list[Submission], outcomes: dict[int, Outcome], batch_ids: set[int]
) -> None:
    """The forms a "one per" index refused: a key stored meanwhile by the other process is
    a retry of that response; otherwise (a later form of this batch holding the key is not
    yet stored, run one by one) the ballot is a second one."""
    refused = [n for n in range(len(submissions)) if n not in outcomes]
    keys = [submissions[n].client_key for n in refused if submissions[n].client_key]
    stored = {}
    if keys:
        stored = {
            key: (id_, scope)
            for key, id_, scope in await conn.fetch(KEYS_STORED, keys)
            if id_ not in batch_ids
        }
    for n in refused:
        s = submissions[n]
        found = stored.get(s.client_key or "")
        outcomes[n] = _replay(s, found) if found else already_rated(s.channel)


def _replay(s: Submission, stored: tuple[int, str]) -> Outcome:
    """A key already stored: the response it acknowledged, in its own scope only."""
    return int(stored[0]) if stored[1] == s.key_scope else Conflict(KEY_ELSEWHERE)


def _response_columns(submissions: list[Submission], moments: list[datetime]) -> list[list[Any]]:
    items = [
        (n, cid, level, s.notes.get(cid, ""))
        for n, s in enumerate(submissions, start=1)
        for cid, level in s.levels.items()
    ]
    columns: list[list[Any]] = [[getattr(s, name) for s in submissions] for name in COLUMNS]
    columns[COLUMNS.index("batch_label")] = [s.batch_label[:64] for s in submissions]
    columns += [moments, [s.link_id for s in submissions]]  # submitted_at, then the link
    item_columns = [list(column) for column in zip(*items, strict=True)] or [[], [], [], []]
    return columns + item_columns


async def _flag(
    conn: Any,
    submissions: list[Submission],
    moments: list[datetime],
    created: list[tuple[int, int]],
) -> None:
    """Both review flags for every created form with an address, in one count and one insert."""
    watched = [(n, id_) for n, id_ in created if submissions[n].source_hash]
    if not watched:
        return
    batch_ids = [id_ for _, id_ in created]
    position = {id_: p for p, id_ in enumerate(batch_ids, start=1)}
    counts = await conn.fetch(
        COUNT_FLAGS,
        [submissions[n].source_hash for n, _ in watched],
        [submissions[n].cycle_id for n, _ in watched],
        [moments[n] - BURST_WINDOW for n, _ in watched],
        [submissions[n].ratee_id for n, _ in watched],
        [submissions[n].fingerprint or None for n, _ in watched],
        [position[id_] for _, id_ in watched],
        batch_ids,
    )
    raised = [
        (id_, reason, detail, moments[n])
        for (n, id_), (recent, same) in zip(watched, counts, strict=True)
        for reason, detail in flag_reasons(recent, same)
    ]
    if raised:
        await conn.execute(INSERT_FLAGS, *[list(column) for column in zip(*raised, strict=True)])
