"""Import batches: upload, parse for a preview, then import; run by the worker (tasks.py)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext

from recouvra.core import audit
from recouvra.core.models import AuditAction, Membership
from recouvra.core.uploads import validate_upload_size
from recouvra.ledger.models import Creditor

from . import messages
from .models import ColumnMapping, ImportBatch, ImportKind, ImportStatus
from .records import BankStatement, Ledger, ParseError

# sent with `batch` once a bank statement's lines are stored: lettrage (above imports)
# matches them to claims
statement_imported = Signal()
# sent with `batch` once its import has ended, DONE or FAILED (its message says why), in
# the transaction that records it (webhooks: import.completed); a batch that fails while
# being read, before any import was asked, is not "completed"
batch_completed = Signal()
PREVIEW_ROWS = 50
TABULAR_FORMATS = ("csv", "xlsx")


class UploadRefused(ValueError):
    pass


class BatchRefused(ValueError):
    """The batch does not wait for what was asked (a confirmation, a column mapping), or
    `field` is missing (the creditor of invoices)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def create_batch(
    member: Membership, upload: UploadedFile, *, creditor: Creditor | None, actor: Any
) -> ImportBatch:
    """Keep the uploaded file with its checksum; the worker parses it next."""
    try:
        validate_upload_size(upload)
    except ValidationError as exc:
        raise UploadRefused(f"{upload.name} : {exc.messages[0]}") from exc
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    batch = ImportBatch.objects.create(
        organization_id=member.organization_id,
        filename=upload.name[:255],
        file=upload,
        size=upload.size,
        sha256=digest.hexdigest(),
        creditor=creditor,
        uploaded_by=actor,
    )
    audit.record(batch, AuditAction.CREATE, actor=actor)
    return batch


def upload(
    member: Membership, upload: UploadedFile, *, creditor: Creditor | None, actor: Any
) -> ImportBatch:
    """Keep the uploaded file (create_batch) and have the worker read it once the
    transaction that kept it commits: the upload page's and the API's one way in."""
    from .tasks import parse_batch_task

    with transaction.atomic():
        batch = create_batch(member, upload, creditor=creditor, actor=actor)
        transaction.on_commit(lambda: parse_batch_task.enqueue(batch.pk))
    return batch


def claim_batch(batch_id: int, before: str, after: str) -> ImportBatch | None:
    """Move a batch from one status to the next; None if another worker got there first."""
    won = ImportBatch.objects.filter(pk=batch_id, status=before).update(
        status=after, progress=5, updated_at=timezone.now()
    )
    return ImportBatch.objects.get(pk=batch_id) if won == 1 else None


def read(batch: ImportBatch) -> BankStatement | Ledger:
    from .parsers.detect import detect_format, parse_file
    from .parsers.ledger_csv import parse_ledger_csv, parse_ledger_xlsx

    with batch.file.open("rb") as handle:
        data = handle.read()
    try:
        fmt = batch.format or detect_format(data, batch.filename)
    except ParseError:
        # columns no parser recognises, but a mapping saved for this header row
        known = None if batch.mapping else _known_mapping(batch, data)
        if not known:
            raise
        fmt, batch.mapping = "csv", known
    if fmt in TABULAR_FORMATS and not batch.mapping:
        batch.mapping = _known_mapping(batch, data) or {}
    if fmt == "csv":
        return parse_ledger_csv(data, filename=batch.filename, mapping=batch.mapping or None)
    if fmt == "xlsx":
        return parse_ledger_xlsx(data, filename=batch.filename, mapping=batch.mapping or None)
    return parse_file(data, filename=batch.filename, format=fmt)


def _known_mapping(batch: ImportBatch, data: bytes) -> dict[str, str] | None:
    """The mapping saved for a file with the same header row, if any."""
    from .parsers.ledger_csv import read_table

    try:
        headers, _rows = read_table(data, batch.filename, max_rows=0)
    except (ParseError, ValueError):
        return None
    return saved_mapping(batch.organization_id, headers) if headers else None


def parse_batch(batch_id: int) -> None:
    """Read the file and store what it holds, for the user to check before importing."""
    batch = claim_batch(batch_id, ImportStatus.QUEUED, ImportStatus.PARSING)
    if batch is None:
        return
    try:
        result = read(batch)
    except ParseError as error:
        if not _offer_mapping(batch, error):
            _fail(batch, messages.describe(error))
        return
    batch.format = result.format
    batch.kind = ImportKind.BANK if isinstance(result, BankStatement) else ImportKind.LEDGER
    batch.preview = preview_of(batch, result)
    if batch.kind == ImportKind.LEDGER and batch.creditor_id is None:
        batch.message = "Choisissez le créancier de ces factures avant d'importer."
    batch.status, batch.progress = ImportStatus.PREVIEW, 100
    batch.save(
        update_fields=[
            *("format", "kind", "preview", "message", "status", "progress", "mapping"),
            "updated_at",
        ]
    )


def _offer_mapping(batch: ImportBatch, error: ParseError) -> bool:
    """A table whose columns were not recognised: let the user say what each one holds."""
    from .parsers.ledger_csv import read_table

    if batch.format or batch.mapping:
        return False
    try:
        with batch.file.open("rb") as handle:
            headers, rows = read_table(handle.read(), batch.filename, max_rows=1)
    except (ParseError, ValueError):
        return False
    if len(headers) < 2 or not rows:
        return False
    batch.kind, batch.format, batch.status, batch.progress = (
        ImportKind.LEDGER,
        "csv",
        ImportStatus.PREVIEW,
        100,
    )
    batch.preview = {
        "claims": 0,
        "total_cents": 0,
        "rows": [],
        "errors": [],
        "errors_count": 0,
        "warnings": [],
        "columns": {"headers": headers, "mapping": {}},
    }
    batch.message = (
        f"{batch.filename} : colonnes non reconnues ({messages.reason(error)}). Indiquez "
        "ci-dessous ce que contient chaque colonne, puis relisez le fichier."
    )
    batch.save(
        update_fields=["kind", "format", "status", "progress", "preview", "message", "updated_at"]
    )
    return True


def import_batch(batch_id: int) -> None:
    """Import a checked batch into the ledger or the bank lines, then propose matches."""
    from .bank_import import import_statement
    from .ledger_import import import_claims

    batch = claim_batch(batch_id, ImportStatus.TO_IMPORT, ImportStatus.IMPORTING)
    if batch is None:
        return
    try:
        result = read(batch)
        if isinstance(result, Ledger):
            import_claims(batch, result.claims, result.errors)
        else:
            import_statement(batch, result)
            statement_imported.send(sender=ImportBatch, batch=batch)
    except ParseError as error:
        with transaction.atomic():
            _fail(batch, messages.describe(error))
            batch_completed.send(sender=ImportBatch, batch=batch)
        return
    with transaction.atomic():
        batch.status, batch.progress, batch.finished_at = ImportStatus.DONE, 100, timezone.now()
        batch.save(update_fields=["status", "progress", "finished_at", "updated_at"])
        batch_completed.send(sender=ImportBatch, batch=batch)


def confirm(
    batch: ImportBatch,
    *,
    mapping: dict[str, str] | None,
    creditor: Creditor | None,
    actor: Any = None,
) -> None:
    """The user checked the preview: save the column mapping and queue the import. Refused
    (BatchRefused) unless the batch waits for it, and for invoices without a creditor; a
    second confirmation (double click, retried call) finds it no longer waiting."""
    from .tasks import import_batch_task

    if batch.status != ImportStatus.PREVIEW:
        raise BatchRefused(gettext("Cet import n'attend pas de validation."))
    if batch.kind == ImportKind.LEDGER and not (creditor or batch.creditor_id):
        raise BatchRefused(gettext("Choisissez le créancier de ces factures."), field="creditor")
    before = audit.snapshot(batch)
    changes: dict[str, Any] = {"status": ImportStatus.TO_IMPORT, "progress": 0}
    if mapping is not None:
        changes["mapping"] = mapping
    if creditor is not None:
        changes["creditor"] = creditor
    waiting = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEW)
    if not waiting.update(**changes, updated_at=timezone.now()):
        raise BatchRefused(gettext("Cet import n'attend pas de validation."))
    batch.refresh_from_db()
    audit.record(batch, AuditAction.UPDATE, actor=actor, before=before)
    transaction.on_commit(lambda: import_batch_task.enqueue(batch.pk))


def headers_key(headers: list[str]) -> str:
    """What identifies a source: its header row, normalised."""
    from recouvra.core.search import normalize

    return hashlib.sha256("|".join(normalize(h) for h in headers).encode()).hexdigest()


def saved_mapping(organization_id: int, headers: list[str]) -> dict[str, str] | None:
    found = ColumnMapping.objects.filter(
        organization_id=organization_id, headers_key=headers_key(headers)
    ).first()
    return found.mapping if found else None


def remap(batch: ImportBatch, mapping: dict[str, str], *, actor: Any = None) -> None:
    """New column mapping: kept for this source's next files, then the file is read again.
    Refused (BatchRefused) unless the batch waits in preview."""
    from .tasks import parse_batch_task

    if batch.status != ImportStatus.PREVIEW:
        raise BatchRefused(gettext("Cet import n'attend pas de correspondance de colonnes."))
    before = audit.snapshot(batch)
    headers = (batch.preview.get("columns") or {}).get("headers", [])
    if headers:
        ColumnMapping.objects.update_or_create(
            organization_id=batch.organization_id,
            headers_key=headers_key(headers),
            defaults={"mapping": mapping, "name": batch.filename[:100]},
        )
    waiting = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEW)
    if not waiting.update(
        mapping=mapping, status=ImportStatus.QUEUED, progress=0, updated_at=timezone.now()
    ):
        raise BatchRefused(gettext("Cet import n'attend pas de correspondance de colonnes."))
    batch.refresh_from_db()
    audit.record(batch, AuditAction.UPDATE, actor=actor, before=before)
    transaction.on_commit(lambda: parse_batch_task.enqueue(batch.pk))


# a batch the worker was reading or importing, and where it goes back to, to try again
INTERRUPTED = {
    ImportStatus.PARSING: ImportStatus.QUEUED,
    ImportStatus.IMPORTING: ImportStatus.TO_IMPORT,
}


def stopped(batch_id: int, reason: str, again: bool) -> None:
    """The worker stopped reading or importing this batch (killed, out of time, or an
    unexpected error); what it wrote was rolled back. The batch waits again if the task
    was re-queued, else it fails with the reason and can be retried from its page."""
    for running, waiting in INTERRUPTED.items():
        if again:
            changes = {"status": waiting, "progress": 0, "resume_status": ""}
            changes["message"] = f"Traitement interrompu ({reason}) : nouvel essai automatique."
        else:
            changes = {"status": ImportStatus.FAILED, "progress": 100, "resume_status": waiting}
            changes["message"] = f"Traitement interrompu : {reason}. Vous pouvez le relancer."
            changes["finished_at"] = timezone.now()
        with transaction.atomic():
            if not ImportBatch.objects.filter(pk=batch_id, status=running).update(
                **changes, updated_at=timezone.now()
            ):
                continue
            if running == ImportStatus.IMPORTING and not again:
                batch = ImportBatch.objects.get(pk=batch_id)
                batch_completed.send(sender=ImportBatch, batch=batch)
        return


def retry(batch: ImportBatch, *, actor: Any = None) -> bool:
    """Relaunch an interrupted batch where it stopped (its reading, or its import)."""
    from .tasks import import_batch_task, parse_batch_task

    before = audit.snapshot(batch)
    resume = batch.resume_status
    moved = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportStatus.FAILED, resume_status=resume
    ).exclude(resume_status="")
    if not moved.update(
        status=resume,
        resume_status="",
        message="",
        progress=0,
        finished_at=None,
        updated_at=timezone.now(),
    ):
        return False
    batch.refresh_from_db()
    audit.record(batch, AuditAction.UPDATE, actor=actor, before=before)
    task = import_batch_task if resume == ImportStatus.TO_IMPORT else parse_batch_task
    transaction.on_commit(lambda: task.enqueue(batch.pk))
    return True


def _fail(batch: ImportBatch, message: str) -> None:
    batch.status, batch.message, batch.progress = ImportStatus.FAILED, message, 100
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "message", "progress", "finished_at", "updated_at"])


def preview_of(batch: ImportBatch, result: BankStatement | Ledger) -> dict[str, Any]:
    data = result.as_json()
    if isinstance(result, Ledger):
        preview = {
            "claims": len(result.claims),
            "total_cents": sum(c.amount_cents for c in result.claims),
            "rows": data["claims"][:PREVIEW_ROWS],
        }
        if result.format in TABULAR_FORMATS:
            preview["columns"] = _columns(batch)
    else:
        preview = {
            "accounts": [
                {
                    **{k: v for k, v in account.items() if k != "lines"},
                    "count": len(account["lines"]),
                }
                for account in data["accounts"]
            ],
            "rows": [line for account in data["accounts"] for line in account["lines"]][
                :PREVIEW_ROWS
            ],
        }
    preview["errors"] = data["errors"][:PREVIEW_ROWS]
    preview["errors_count"] = len(data["errors"])
    preview["warnings"] = data["warnings"]
    return preview


def _columns(batch: ImportBatch) -> dict[str, Any]:
    from .parsers.ledger_csv import guess_mapping, read_table

    with batch.file.open("rb") as handle:
        headers, _rows = read_table(handle.read(), batch.filename, max_rows=0)
    return {"headers": headers, "mapping": batch.mapping or guess_mapping(headers)}
