"""Tables of the evaluated population: county, towns, cadres and who leads whom.

External ids come from the county's own roster and make imports idempotent.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from evaluation.infra.now_default import ClockNow


class County(Table):
    id: Serial
    name = Varchar(length=64, unique=True)


class Town(Table):
    id: Serial
    external_id = Varchar(length=32, unique=True)
    county = ForeignKey(references=County, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=64)
    town_type = Varchar(length=16, index=True)
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)


class Cadre(Table):
    id: Serial
    external_id = Varchar(length=32, unique=True)
    name = Varchar(length=32)
    town = ForeignKey(references=Town, on_delete=OnDelete.restrict, null=False, index=True)
    position = Varchar(length=32)
    rank = Varchar(length=16, default="")
    active = Boolean(default=True)
    # how a notice reaches the person (roster columns 手机号 / 电子邮箱; "" when not given):
    # seen only by the office and the delivery worker, never on another page or the API
    phone = Varchar(length=11, default="")
    email = Varchar(length=254, default="")
    updated_at = Timestamptz(default=ClockNow())


class Leadership(Table):
    """`leader` leads `member` (a cadre may have several leaders, e.g. 书记 and 分管领导)."""

    id: Serial
    leader = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    member = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    sort_order = Integer(default=0)


class CadreChange(Table, tablename="cadre_change"):
    """A change to a cadre made in the web, kept as history: a transfer (town and post), a
    departure, an edit or new leaders, with the date it took effect. The cadre row holds the
    present; these rows let any date's organisation be rebuilt (`directory.cadre_frame`)."""

    id: Serial
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=16)  # transfer | departure | edit | leaders
    effective_on = Date()
    from_town = Integer(null=True, default=None)
    to_town = Integer(null=True, default=None)
    from_position = Varchar(length=32, default="")
    to_position = Varchar(length=32, default="")
    summary = Text(default="")  # what changed, in words (edits, leaders)
    reason = Text(default="")
    recorded_by = Varchar(length=64, default="")
    recorded_at = Timestamptz(default=ClockNow())


class RubricVersion(Table, tablename="rubric_version"):
    """A rubric as it was loaded; cycles pin one, so later edits never rewrite history."""

    id: Serial
    code = Varchar(length=64)
    version = Varchar(length=32)
    name = Varchar(length=128)
    source = Text()
    content_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=ClockNow())


class RubricDraft(Table, tablename="rubric_draft"):
    """A rubric being edited in the web: copied from a version (or imported), kept as TOML
    text that always passes validation, and published as a new `RubricVersion`."""

    id: Serial
    base = ForeignKey(references=RubricVersion, on_delete=OnDelete.restrict, null=True)
    source = Text()
    edited_by = Varchar(length=64, default="")
    created_at = Timestamptz(default=ClockNow())
    updated_at = Timestamptz(default=ClockNow())
    published = ForeignKey(references=RubricVersion, on_delete=OnDelete.restrict, null=True)


class Cycle(Table):
    id: Serial
    name = Varchar(length=64)
    period = Varchar(length=16)  # annual | quarterly
    year = Integer()
    quarter = Integer(null=True, default=None)
    rubric = ForeignKey(references=RubricVersion, on_delete=OnDelete.restrict, null=False)
    weights = JSON()
    peers_per_cadre = Integer(default=4)
    opens_on = Date()
    closes_on = Date()
    remind_on = Date(null=True, default=None)
    publicity_days = Integer(default=7)  # 公示: days results stay open to appeal once published
    publicity_ends_on = Date(null=True, default=None)  # set at publication
    min_response_rate = Float(default=0.6)  # below it, publishing needs a written reason
    publish_reason = Text(default="")  # the office's reason for publishing below that rate
    state = Varchar(length=16, default="draft", index=True)
    created_at = Timestamptz(default=ClockNow())
    opened_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class Assignment(Table):
    """Who is to rate whom in a cycle, and as which group. Removal keeps the row and its reason."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    rater = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    ratee = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    rater_group = Varchar(length=16)
    source = Varchar(length=16, default="rule")  # rule | manual
    status = Varchar(length=16, default="open", index=True)  # open | submitted | removed
    reason = Text(default="")
    created_at = Timestamptz(default=ClockNow())
    removed_at = Timestamptz(null=True, default=None)


class ResidentLink(Table, tablename="resident_link"):
    """The QR code at a service window: an unguessable token for one cadre in one cycle."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    ratee = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False)
    token = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=ClockNow())
    revoked_at = Timestamptz(null=True, default=None)


class CodeBatch(Table, tablename="code_batch"):
    """A printed batch of one-time evaluation codes (考核码) for a meeting-room evaluation."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.cascade, null=False)
    rater_group = Varchar(length=16)
    label = Varchar(length=64)
    size = Integer()
    created_at = Timestamptz(default=ClockNow())


class EvaluationCode(Table, tablename="evaluation_code"):
    """Only a hash is stored: the printed slip is the one place the code exists."""

    id: Serial
    batch = ForeignKey(references=CodeBatch, on_delete=OnDelete.cascade, null=False, index=True)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)


class Response(Table):
    """One completed form. `rater` and `assignment` record who rated whom for duplicate
    control and progress; no page, export or API that a cadre or leader reaches exposes them.
    Composite indexes piccolo cannot declare live in migrations, and hold every "one per"
    rule: one response per device per ratee per cycle (`response_device_once`), per
    assignment (`response_assignment_once`), per meeting-room code and ratee
    (`response_code_once`) — all partial UNIQUE — and the resident checks' lookups
    (`response_source_recent`, `response_same_answers`)."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    ratee = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    rater_group = Varchar(length=16)
    rater = ForeignKey(references=Cadre, on_delete=OnDelete.set_null, null=True, default=None)
    assignment = ForeignKey(
        references=Assignment, on_delete=OnDelete.set_null, null=True, default=None
    )
    code = ForeignKey(
        references=EvaluationCode, on_delete=OnDelete.set_null, null=True, default=None
    )
    channel = Varchar(length=16)  # online | qr | code | paper | mystery
    batch_label = Varchar(length=64, default="")
    comment = Text(default="")
    verified = Boolean(default=False)
    client_key = Varchar(length=64, null=True, default=None, unique=True)
    key_scope = Varchar(length=64, default="")  # what the client key acknowledges
    device = Varchar(length=32, default="")  # resident device id (signed cookie)
    source_hash = Varchar(length=16, default="")  # salted hash of the client address
    fingerprint = Varchar(length=16, default="")  # hash of the answers, to spot identical batches
    submitted_at = Timestamptz(default=ClockNow())


class ResponseItem(Table, tablename="response_item"):
    id: Serial
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade, null=False, index=True)
    competency = Varchar(length=32)
    level = Integer(null=True, default=None)  # null: cannot observe (无法观察)
    note = Text(default="")


class Evidence(Table):
    """Objective behaviour evidence from other systems, mapped to an anchor level by the
    rubric's thresholds (e.g. 矛盾化解率, 12345 response hours)."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    competency = Varchar(length=32)
    indicator = Varchar(length=64)
    period = Varchar(length=16)
    value = Float()
    level = Integer()
    source = Varchar(length=16)  # csv | excel | api
    imported_at = Timestamptz(default=ClockNow())


class Draft(Table):
    """A rater's unsent form, kept server-side so it survives logout and a phone switch."""

    id: Serial
    assignment = ForeignKey(
        references=Assignment, on_delete=OnDelete.cascade, null=False, unique=True
    )
    fields = JSON()
    updated_at = Timestamptz(default=ClockNow())


class WorkReport(Table, tablename="work_report"):
    """The cadre's own 述职报告 for a cycle; raters may read it beside the form."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    cadre = ForeignKey(references=Cadre, on_delete=OnDelete.cascade, null=False, index=True)
    filename = Varchar(length=128)
    media_type = Varchar(length=64)
    content = Bytea()
    uploaded_at = Timestamptz(default=ClockNow())


class ResponseFlag(Table, tablename="response_flag"):
    """A suspicious resident response, queued for the assessment office — never dropped."""

    id: Serial
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade, null=False, index=True)
    reason = Varchar(length=32)  # burst | identical | unverified_repeat
    detail = Text(default="")
    created_at = Timestamptz(default=ClockNow())
    decision = Varchar(length=16, default="")  # "" (pending) | kept | excluded
    decided_at = Timestamptz(null=True, default=None)


class VerificationCode(Table, tablename="verification_code"):
    """核验码 handed out at a service window: a response carrying one counts as verified."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.cascade, null=False)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)


class ProfileSnapshot(Table, tablename="profile_snapshot"):
    """One computation of a cycle's results. Publishing freezes the latest; recomputing a
    published cycle adds a new snapshot and never touches the frozen one."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=ClockNow())
    frozen = Boolean(default=False)
    sigma = Float(default=0.0)
    components = Integer(default=1)


class CaseNote(Table, tablename="case_note"):
    """A concrete case the assessment office publishes with a cycle's results (the article:
    results are published together with cases), about a town or the county as a whole."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    town = ForeignKey(references=Town, on_delete=OnDelete.set_null, null=True, default=None)
    title = Varchar(length=64)
    body = Text()
    created_at = Timestamptz(default=ClockNow())
    updated_at = Timestamptz(null=True, default=None)  # last edited
    withdrawn_at = Timestamptz(null=True, default=None)  # withdrawn notes stay on record


class ReminderRound(Table, tablename="reminder_round"):
    """One reminder round the office sent for a cycle: who was chased, through which channel.
    How its messages fared is read from them (`outbox_message.status`)."""

    id: Serial
    cycle = ForeignKey(references=Cycle, on_delete=OnDelete.cascade, null=False, index=True)
    sent_by = Varchar(length=64, default="")
    sent_at = Timestamptz(default=ClockNow())
    channel = Varchar(length=16, default="outbox")  # the transport's name (evaluation.outbox)
    raters = Integer(default=0)
    open_tasks = Integer(default=0)


class OutboxMessage(Table, tablename="outbox_message"):
    """Every notification the product sends, kept whatever the channel (`evaluation.outbox`):
    written in the transaction that decides it (`queued`), then claimed (`sending`) and
    delivered by the worker — never inside a request — as `sent` or, after its attempts,
    `failed` with the reason. On the `outbox` channel it stays queued, for printing."""

    id: Serial
    kind = Varchar(length=32, default="reminder")  # a template in evaluation/outbox/messages.toml
    round = ForeignKey(references=ReminderRound, on_delete=OnDelete.cascade, null=True, index=True)
    recipient = ForeignKey(references=Cadre, on_delete=OnDelete.set_null, null=True, index=True)
    town = Varchar(length=64, default="")
    open_tasks = Integer(default=0)
    channel = Varchar(length=16, default="outbox", index=True)
    subject = Varchar(length=120, default="")
    body = Text()
    fields = JSON(default="{}")  # what the templates were filled with (a group text needs them)
    status = Varchar(length=16, default="queued", index=True)  # queued|sending|sent|failed
    address = Varchar(length=254, default="")  # where it went: a phone, an address, a town
    attempts = Integer(default=0)
    error = Text(default="")
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=ClockNow())
