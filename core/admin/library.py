"""The content library: question bank, templates, reflection prompts and contact sources.

Loaded from seeds/content/*.toml into DuckDB. Entries are keyed and versioned: loading again adds
new entries and updates ones whose version rose, but never overwrites an entry an admin edited.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from core.clock import utcnow
from core.store.db import Cursor, Database, row, rows
from core.errors import check_id
from core.models import Actor

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
            found = row(cur, "SELECT id, seed_version, edited_by FROM library_items WHERE seed_key = ?", [e["seed_key"]])
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


def list_items(db: Database, actor: Actor, kind: str, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """Library entries of one kind, in category and position order (any signed-in user)."""
    with db.cursor() as cur:
        return rows(
            cur,
            """SELECT id, kind, seed_key, category, channel, title, subject, body, position, retired_at, edited_by, updated_at,
                      version
               FROM library_items WHERE kind = ? AND (? OR retired_at IS NULL)
               ORDER BY category, position, id""",
            [kind, include_retired],
        )


def get_item(db: Database, actor: Actor, item_id: int) -> dict[str, Any] | None:
    """One library entry, retired or not (things that used it still show it); None when the id names none."""
    try:
        item_id = check_id(item_id, "library entry")
    except LookupError:
        return None
    with db.cursor() as cur:
        return row(cur, "SELECT * FROM library_items WHERE id = ?", [item_id])


def reflection_prompts(db: Database, actor: Actor) -> dict[str, str]:
    """Reflection field -> prompt text, as the library currently words it."""
    return {i["category"]: i["body"] for i in list_items(db, actor, "reflection_prompt")}
