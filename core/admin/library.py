"""The content library: question bank, message templates, reflection prompts and contact sources, and editing them.

Loaded from seeds/content/*.toml. Entries are keyed and versioned: loading again adds new entries
and updates ones whose version rose, but never overwrites an entry an admin edited (every edit
stamps edited_by). Admins add, edit, retire and restore entries in the portal; retiring hides an
entry from pickers while what already used it (planned questions, drafts) keeps its copy of the
text. Students read the library on every page run, so changes show to them at once.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from core.clock import utcnow
from core.errors import LibraryError, NotFound
from core.identity.access import active_only, require_role
from core.models import Actor, Role, Source, _Model, _strip
from core.store import events, versioning
from core.store.db import Cursor, Database, row, rows, scalar

CONTENT_DIR = Path(__file__).resolve().parents[2] / "seeds" / "content"

QUESTION_CATEGORIES = {
    "day": "The job and a typical day",
    "path": "The path into the field",
    "skills": "Skills and training",
    "industry": "The industry and its trends",
    "advice": "Advice and next steps",
    "resume": "Resume feedback",
    "referrals": "Referrals",
}

_FILES = {
    "question": ("questions.toml", "question"),
    "template": ("templates.toml", "template"),
    "reflection_prompt": ("reflection_prompts.toml", "prompt"),
    "contact_source": ("contact_sources.toml", "source"),
}


def read_content(directory: Path = CONTENT_DIR) -> list[dict[str, Any]]:
    """Every library entry in the data files, as rows ready to store."""
    entries: list[dict[str, Any]] = []
    for kind, (filename, table) in _FILES.items():
        path = directory / filename
        if not path.is_file():
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for position, item in enumerate(data.get(table, []), start=1):
            body = item.get("body", item.get("text", ""))
            entries.append({
                "kind": kind,
                "seed_key": f"{kind}:{item['key']}",
                "seed_version": int(item.get("version", 1)),
                "category": item.get("category", item["key"] if kind != "question" else ""),
                "channel": item.get("channel", ""),
                "title": item.get("title", ""),
                "subject": item.get("subject", ""),
                "body": body,
                "position": position,
            })
    return entries


def load_library(db: Database, *, directory: Path = CONTENT_DIR, now: datetime | None = None) -> dict[str, int]:
    """Bring the stored library up to the data files; admins' edits are kept. Returns counts."""
    now = now or utcnow()
    entries = read_content(directory)

    def work(cur: Cursor) -> dict[str, int]:
        added = updated = kept = 0
        for e in entries:
            found = row(cur, "SELECT id, seed_version, edited_by FROM library_items WHERE seed_key = ?",
                        [e["seed_key"]])
            if found is None:
                cur.execute(
                    """INSERT INTO library_items (kind, seed_key, seed_version, category, channel, title, subject, body,
                                                  position, created_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [e["kind"], e["seed_key"], e["seed_version"], e["category"], e["channel"], e["title"],
                     e["subject"], e["body"], e["position"], now, now],
                )
                added += 1
            elif found["edited_by"] is None and found["seed_version"] < e["seed_version"]:
                cur.execute(
                    """UPDATE library_items SET seed_version = ?, category = ?, channel = ?, title = ?, subject = ?,
                              body = ?, position = ?, updated_at = ? WHERE id = ?""",
                    [e["seed_version"], e["category"], e["channel"], e["title"], e["subject"], e["body"],
                     e["position"], now, found["id"]],
                )
                updated += 1
            else:
                kept += 1
        return {"added": added, "updated": updated, "kept": kept}

    return db.transaction(work)


@active_only
def list_items(db: Database, actor: Actor, kind: str, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """Library entries of one kind, in category and position order (any signed-in user)."""
    with db.cursor() as cur:
        return rows(
            cur,
            """SELECT id, kind, seed_key, category, channel, title, subject, body, position, retired_at, edited_by,
                      updated_at, version
               FROM library_items WHERE kind = ? AND (? OR retired_at IS NULL)
               ORDER BY category, position, id""",
            [kind, include_retired],
        )


@active_only
def reflection_prompts(db: Database, actor: Actor) -> dict[str, str]:
    """Reflection field -> prompt text, as the library currently words it."""
    return {i["category"]: i["body"] for i in list_items(db, actor, "reflection_prompt")}


KINDS = {
    "question": "Question bank",
    "template": "Message templates",
    "reflection_prompt": "Reflection prompts",
    "contact_source": "Contact sources",
}
TEMPLATE_CATEGORIES = {
    "request": "Meeting request",
    "follow_up": "Follow-up after no reply",
    "thank_you": "Thank-you after a meeting",
    "referrer_thank_you": "Thank-you to a referrer",
    "where_i_landed": "Where I landed",
    "keep_in_touch": "Keeping in touch",
    # Reminder emails (core/messaging/mailer.py): one per kind of notification.
    "email_thank_you_due": "Email: thank-you due",
    "email_follow_up_due": "Email: follow-up due",
    "email_second_person": "Email: second person to try",
    "email_meeting_tomorrow": "Email: meeting tomorrow",
    "email_referrer_note": "Email: note to a referrer",
    "email_keep_in_touch": "Email: keep-in-touch note due",
    "email_comment": "Email: counselor comment",
    "email_student_reply": "Email: a student answered you",
    "email_digest": "Email: counselor digest",
    "email_job_failed": "Email: scheduled work failed",
}
TEMPLATE_CHANNELS = ("email", "linkedin", "phone", "other")
# Reflection prompts are keyed by the reflection field they fill; there is one prompt per field.
REFLECTION_FIELDS = {
    "feelings": "How I feel about what I learned",
    "see_myself": "Can I see myself there",
    "view_changed": "What changed in my view",
    "still_need": "What I still need to find out",
}


_SHOWN = ["category", "channel", "title", "subject", "body"]


def categories(kind: str) -> dict[str, str]:
    """The categories an entry of this kind may have, key -> label."""
    return {
        "question": QUESTION_CATEGORIES,
        "template": TEMPLATE_CATEGORIES,
        "reflection_prompt": REFLECTION_FIELDS,
        "contact_source": {s.value: s.value.replace("_", " ").capitalize() for s in Source},
    }[kind]


class LibraryItemInput(_Model):
    """An entry as the admin writes it; which fields matter depends on the kind."""

    kind: str
    category: str
    body: Annotated[str, AfterValidator(_strip), Field(min_length=1, max_length=5_000)]
    title: Annotated[str, AfterValidator(_strip), Field(max_length=200)] = ""
    subject: Annotated[str, AfterValidator(_strip), Field(max_length=300)] = ""
    channel: str = ""

    @model_validator(mode="after")
    def _fits_kind(self) -> "LibraryItemInput":
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if self.category not in categories(self.kind):
            raise ValueError(f"category must be one of {', '.join(categories(self.kind))}")
        if self.kind == "template":
            if self.channel not in TEMPLATE_CHANNELS:
                raise ValueError(f"a template's channel must be one of {', '.join(TEMPLATE_CHANNELS)}")
            if not self.title:
                raise ValueError("a template needs a title, so students can pick it")
        else:
            self.channel, self.subject = "", ""
        return self


def add_item(db: Database, actor: Actor, data: LibraryItemInput, *, now: datetime | None = None) -> int:
    """Add an entry at the end of its category; returns its id."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> int:
        if data.kind == "reflection_prompt" and scalar(
                cur, "SELECT count(*) FROM library_items WHERE kind = ? AND category = ? AND retired_at IS NULL",
                [data.kind, data.category]):
            raise LibraryError("That reflection question already has a prompt; edit it instead.")
        position = scalar(
            cur, "SELECT coalesce(max(position), 0) + 1 FROM library_items WHERE kind = ? AND category = ?",
            [data.kind, data.category])
        item_id = scalar(
            cur,
            """INSERT INTO library_items (kind, category, channel, title, subject, body, position, edited_by,
                                          created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [data.kind, data.category, data.channel, data.title, data.subject, data.body, position,
             actor.user_id, now, now],
        )
        events.record(cur, actor, "added", "library_item", entity_id=item_id,
                      detail={"kind": data.kind, "category": data.category}, now=now)
        return item_id

    return db.transaction(work)


def _item(cur: Cursor, item_id: int) -> dict[str, Any]:
    found = row(cur, "SELECT * FROM library_items WHERE id = ?", [item_id])
    if found is None:
        raise NotFound("No such library entry.")
    return found


def edit_item(db: Database, actor: Actor, item_id: int, data: LibraryItemInput, *, now: datetime | None = None,
              expected_version: int | None = None) -> None:
    """Change an entry's wording or category; the kind stays. Seed upgrades keep the edit.

    With `expected_version` (the version the form was opened with) a save over another admin's newer
    save is refused with StaleEdit showing their wording.
    """
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = _item(cur, item_id)
        if data.kind != found["kind"]:
            raise LibraryError("An entry keeps its kind; add a new entry instead.")
        versioning.check(found, expected_version, what="library entry", fields=_SHOWN)
        changed = [f for f in ("category", "channel", "title", "subject", "body") if getattr(data, f) != found[f]]
        if not changed:
            return
        cur.execute(
            """UPDATE library_items SET category = ?, channel = ?, title = ?, subject = ?, body = ?, edited_by = ?,
                      updated_at = ?, version = version + 1 WHERE id = ?""",
            [data.category, data.channel, data.title, data.subject, data.body, actor.user_id, now, item_id],
        )
        events.record(cur, actor, "edited", "library_item", entity_id=item_id,
                      detail={"fields": changed, "before": {f: found[f] for f in changed}}, now=now)

    db.transaction(work)


def set_retired(db: Database, actor: Actor, item_id: int, retired: bool, *, now: datetime | None = None,
                expected_version: int | None = None) -> None:
    """Retire an entry (gone from pickers, kept where used) or bring it back (also the Undo of retiring)."""
    require_role(actor, Role.ADMIN)
    now = now or utcnow()

    def work(cur: Cursor) -> None:
        found = _item(cur, item_id)
        if (found["retired_at"] is not None) == retired:
            return
        versioning.check(found, expected_version, what="library entry", fields=_SHOWN)
        if not retired and found["kind"] == "reflection_prompt" and scalar(
                cur, "SELECT count(*) FROM library_items WHERE kind = ? AND category = ? AND retired_at IS NULL",
                [found["kind"], found["category"]]):
            raise LibraryError("That reflection question already has an active prompt; retire it first.")
        # edited_by marks the retirement as the career office's choice, so a seed upgrade keeps it.
        cur.execute("""UPDATE library_items SET retired_at = ?, edited_by = ?, updated_at = ?, version = version + 1
                       WHERE id = ?""",
                    [now if retired else None, actor.user_id, now, item_id])
        events.record(cur, actor, "retired" if retired else "restored", "library_item", entity_id=item_id,
                      detail={"kind": found["kind"]}, now=now)

    db.transaction(work)


def usage(db: Database, actor: Actor, item_id: int) -> int:
    """How many planned questions and drafts use this entry (shown before retiring it)."""
    require_role(actor, Role.ADMIN)
    with db.cursor() as cur:
        return int(scalar(cur, """SELECT (SELECT count(*) FROM planned_questions WHERE library_item_id = ?)
                                        + (SELECT count(*) FROM outreach_messages WHERE library_item_id = ?)""",
                          [item_id, item_id]))
