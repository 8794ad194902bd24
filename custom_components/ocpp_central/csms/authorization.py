"""The one place that answers for id tags (SPEC §3.6): Authorize, StartTransaction and
StopTransaction all get their IdTagInfo here.

Pure: no I/O, no Home Assistant. It holds

- the id tags (RFID cards) with their status, expiry date and parent tag — the ones the
  user manages in the UI (replaced as a whole by ``set_tags``) and any set one by one;
- the policy for tags it does not know: ``accept`` (a home charger must charge) or
  ``reject``;
- per charger, what its local authorization list holds (LocalAuthListManagement);
- per charger, the reservations it accepted (Reservation profile).

Id tags are personal data: single tags are logged at debug level at most, the list never.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from .lenient import iso_utc

_LOGGER = logging.getLogger(__name__)

ACCEPTED: Final = "Accepted"
BLOCKED: Final = "Blocked"
EXPIRED: Final = "Expired"
INVALID: Final = "Invalid"
STATUSES: Final = (ACCEPTED, BLOCKED, EXPIRED, INVALID)

POLICY_ACCEPT: Final = "accept"
POLICY_REJECT: Final = "reject"
POLICIES: Final = (POLICY_ACCEPT, POLICY_REJECT)

FULL: Final = "Full"
DIFFERENTIAL: Final = "Differential"
UPDATE_TYPES: Final = (FULL, DIFFERENTIAL)

MAX_ID_TAG_LENGTH: Final = 20  # IdToken: CiString20Type


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """A timezone-aware datetime (naive ones are taken as UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _parse_dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return _aware(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def normalize_id_tag(value: object) -> str | None:
    """The tag as it is matched: control characters and surrounding blanks removed.

    The Ocular LTE Plus appends 0x10 0x0E to a 20-character tag in StopTransaction
    (QUIRKS S3); such a tag still means the card it was. None when nothing is left.
    """
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned or None


def valid_id_tag(value: object) -> bool:
    """Can ``value`` be an id tag as the user enters it (1–20 printable characters)?

    Any printable character is allowed, ``:`` included (Autocharge tags ``VID:…``,
    QUIRKS N15).
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ID_TAG_LENGTH
        and value.isprintable()
        and value == value.strip()
    )


def _status(value: object) -> str:
    """An AuthorizationStatus of an id tag, whatever its case ("blocked" → "Blocked")."""
    if isinstance(value, str):
        for status in STATUSES:
            if value.strip().lower() == status.lower():
                return status
    raise ValueError("unknown id tag status")


def _tag(value: object, what: str) -> str:
    tag = normalize_id_tag(value)
    if tag is None or not valid_id_tag(tag):
        raise ValueError(f"unusable {what}")
    return tag


@dataclass(slots=True, frozen=True)
class IdTag:
    """An id tag (RFID card) and what the central system answers for it."""

    id_tag: str
    status: str = ACCEPTED
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None

    @classmethod
    def create(
        cls,
        id_tag: object,
        status: object = ACCEPTED,
        expiry_date: datetime | str | None = None,
        parent_id_tag: object = None,
    ) -> IdTag:
        """A checked tag: ValueError when the tag, status or parent cannot be used."""
        expiry = _parse_dt(expiry_date)
        if expiry_date not in (None, "") and expiry is None:
            raise ValueError("unusable expiry date")
        parent = None if parent_id_tag in (None, "") else _tag(parent_id_tag, "parent id tag")
        return cls(_tag(id_tag, "id tag"), _status(status), expiry, parent)

    def effective_status(self, now: datetime) -> str:
        """The status at ``now``: an Accepted tag past its expiry date is Expired."""
        if self.status == ACCEPTED and self.expiry_date is not None and self.expiry_date <= now:
            return EXPIRED
        return self.status

    def info(self, now: datetime) -> dict[str, Any]:
        """The tag's OCPP 1.6 IdTagInfo (absent fields left out)."""
        info: dict[str, Any] = {"status": self.effective_status(now)}
        if self.expiry_date is not None:
            info["expiryDate"] = iso_utc(self.expiry_date)
        if self.parent_id_tag is not None:
            info["parentIdTag"] = self.parent_id_tag
        return info

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "id_tag": self.id_tag,
            "status": self.status,
            "expiry_date": _dt(self.expiry_date),
            "parent_id_tag": self.parent_id_tag,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IdTag:
        """Restore from storage (ValueError when unusable)."""
        return cls.create(
            data.get("id_tag"),
            data.get("status"),
            data.get("expiry_date"),
            data.get("parent_id_tag"),
        )


@dataclass(slots=True, frozen=True)
class Reservation:
    """A reservation a charger accepted (ReserveNow)."""

    reservation_id: int
    connector_id: int
    id_tag: str
    expiry_date: datetime
    parent_id_tag: str | None = None

    def expired(self, now: datetime) -> bool:
        """True once the reservation's expiry date has passed."""
        return self.expiry_date <= now

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "reservation_id": self.reservation_id,
            "connector_id": self.connector_id,
            "id_tag": self.id_tag,
            "expiry_date": _dt(self.expiry_date),
            "parent_id_tag": self.parent_id_tag,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reservation | None:
        """Restore from storage; None when unusable."""
        rid, connector = data.get("reservation_id"), data.get("connector_id")
        expiry = _parse_dt(data.get("expiry_date"))
        tag = normalize_id_tag(data.get("id_tag"))
        if not isinstance(rid, int) or not isinstance(connector, int) or not expiry or not tag:
            return None
        return cls(rid, connector, tag, expiry, normalize_id_tag(data.get("parent_id_tag")))


@dataclass(slots=True)
class LocalList:
    """What one charger's local authorization list holds, as far as we know."""

    version: int
    entries: dict[str, dict[str, Any]] | None = field(default_factory=dict)  # None: unknown

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {"version": self.version, "entries": self.entries}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LocalList | None:
        """Restore from storage; None when unusable."""
        version = data.get("version")
        if not isinstance(version, int):
            return None
        entries = data.get("entries")
        if not isinstance(entries, dict):
            return cls(version, None)
        return cls(version, {str(k): dict(v) for k, v in entries.items() if isinstance(v, dict)})


def _authorization_data(entry: Any) -> tuple[str, dict[str, Any] | None] | None:
    """(tag, idTagInfo or None) of one SendLocalList AuthorizationData; None when unusable."""
    if not isinstance(entry, Mapping):
        return None
    tag = normalize_id_tag(entry.get("idTag", entry.get("id_tag")))
    if tag is None:
        return None
    info = entry.get("idTagInfo", entry.get("id_tag_info"))
    return tag, dict(info) if isinstance(info, Mapping) else None


class Authorizer:
    """Decides on id tags; remembers local lists and reservations per charger."""

    def __init__(self, policy: str = POLICY_ACCEPT) -> None:
        self._policy = POLICY_ACCEPT
        self.policy = policy
        self._tags: dict[str, IdTag] = {}
        self._folded: dict[str, str] = {}  # casefolded tag -> tag
        self._managed: set[str] = set()  # tags that came from the UI (set_tags)
        self._local_lists: dict[str, LocalList] = {}
        self._reservations: dict[str, dict[int, Reservation]] = {}
        self._last_reservation_id = 0
        # Called after a change that should be persisted (the central system saves).
        self.on_change: Callable[[], None] | None = None

    def __repr__(self) -> str:
        """Never the tags themselves."""
        return f"<Authorizer policy={self._policy} tags={len(self._tags)}>"

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # ---------------------------------------------------------------- policy

    @property
    def policy(self) -> str:
        """What unknown tags get: ``accept`` (Accepted) or ``reject`` (Invalid)."""
        return self._policy

    @policy.setter
    def policy(self, value: str) -> None:
        policy = str(value).strip().lower()
        if policy not in POLICIES:
            raise ValueError("policy must be accept or reject")
        self._policy = policy

    # ------------------------------------------------------------------ tags

    @property
    def tags(self) -> tuple[IdTag, ...]:
        """Every known tag."""
        return tuple(self._tags.values())

    def tag(self, id_tag: object) -> IdTag | None:
        """The known tag ``id_tag`` means (control characters stripped; OCPP id tags are
        case-insensitive strings, an exact match wins)."""
        key = normalize_id_tag(id_tag)
        if key is None:
            return None
        found = self._tags.get(key)
        if found is None and (folded := self._folded.get(key.casefold())) is not None:
            found = self._tags.get(folded)
        return found

    def _store(self, tag: IdTag) -> None:
        self._tags[tag.id_tag] = tag
        self._folded[tag.id_tag.casefold()] = tag.id_tag

    def _refold(self) -> None:
        self._folded = {tag.casefold(): tag for tag in self._tags}

    def set_tag(
        self,
        id_tag: str,
        status: str = ACCEPTED,
        expiry_date: datetime | None = None,
        parent_id_tag: str | None = None,
    ) -> IdTag:
        """Add or change one tag (ValueError when unusable)."""
        tag = IdTag.create(id_tag, status, expiry_date, parent_id_tag)
        if self._tags.get(tag.id_tag) != tag:
            self._store(tag)
            self._changed()
        return tag

    def remove_tag(self, id_tag: str) -> bool:
        """Forget a tag; False when it was not known."""
        tag = self.tag(id_tag)
        if tag is None:
            return False
        del self._tags[tag.id_tag]
        self._managed.discard(tag.id_tag)
        self._refold()
        self._changed()
        return True

    def set_tags(self, tags: Iterable[IdTag]) -> None:
        """Replace the tags the user manages in the UI; tags set one by one are kept."""
        wanted = {tag.id_tag: tag for tag in tags}
        before = {key: self._tags[key] for key in self._managed if key in self._tags}
        if before == wanted and set(wanted) == self._managed:
            return
        for key in self._managed:
            self._tags.pop(key, None)
        self._tags.update(wanted)
        self._managed = set(wanted)
        self._refold()
        self._changed()

    def id_tag_info(
        self, charge_point_id: str, id_tag: str | None, now: datetime | None = None
    ) -> dict[str, Any]:
        """The IdTagInfo for ``id_tag`` on ``charge_point_id`` (schema-valid OCPP 1.6).

        Never raises: whatever a charger sends as a tag gets an answer (QUIRKS S3, S4).
        """
        now = _aware(now) or _utcnow()
        known = self.tag(id_tag)
        if known is not None:
            info = known.info(now)
        else:
            info = {"status": ACCEPTED if self._policy == POLICY_ACCEPT else INVALID}
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(
                "%s: id tag %r is %s%s",
                charge_point_id,
                id_tag,
                info["status"],
                "" if known else f" (unknown, policy {self._policy})",
            )
        return info

    # ------------------------------------------------- local authorization list

    def authorization_data(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every known tag as SendLocalList AuthorizationData (for a Full update)."""
        now = _aware(now) or _utcnow()
        return [
            {"idTag": tag.id_tag, "idTagInfo": tag.info(now)}
            for tag in sorted(self._tags.values(), key=lambda t: t.id_tag)
        ]

    def local_list_changes(
        self, charge_point_id: str, now: datetime | None = None
    ) -> list[dict[str, Any]] | None:
        """What a Differential update must send so the charger's list matches ours.

        None when the charger's list contents are not known (send a Full update).
        """
        local = self._local_lists.get(charge_point_id)
        if local is None or local.entries is None:
            return None
        wanted = {e["idTag"]: e["idTagInfo"] for e in self.authorization_data(now)}
        changes: list[dict[str, Any]] = [
            {"idTag": tag, "idTagInfo": info}
            for tag, info in wanted.items()
            if local.entries.get(tag) != info
        ]
        changes += [{"idTag": tag} for tag in sorted(set(local.entries) - set(wanted))]
        return changes

    def record_local_list(
        self,
        charge_point_id: str,
        version: int,
        update_type: str,
        entries: Iterable[Mapping[str, Any]],
    ) -> None:
        """A SendLocalList was Accepted: remember the version and what the list now holds.

        ``entries`` are the AuthorizationData sent (``{"idTag", "idTagInfo"}``); in a
        Differential update an entry without idTagInfo removes that tag.
        """
        if update_type not in UPDATE_TYPES:
            raise ValueError("update type must be Full or Differential")
        local = self._local_lists.get(charge_point_id)
        held: dict[str, dict[str, Any]] | None = {}
        if update_type == DIFFERENTIAL:  # on top of a list whose contents we may not know
            held = dict(local.entries) if local and local.entries is not None else None
        for entry in entries:
            parsed = _authorization_data(entry)
            if parsed is None or held is None:
                continue
            tag, info = parsed
            if info is None:
                held.pop(tag, None)
            else:
                held[tag] = info
        self._local_lists[charge_point_id] = LocalList(int(version), held)
        self._changed()

    def note_local_list_version(self, charge_point_id: str, version: int) -> None:
        """What GetLocalListVersion answered; a version we did not send makes the
        contents unknown (the next update must be Full)."""
        local = self._local_lists.get(charge_point_id)
        if local is not None and local.version == version:
            return
        self._local_lists[charge_point_id] = LocalList(int(version), {} if version == 0 else None)
        self._changed()

    def local_list_version(self, charge_point_id: str) -> int | None:
        """The version of the charger's local list; None when never sent nor asked."""
        local = self._local_lists.get(charge_point_id)
        return local.version if local else None

    def next_local_list_version(self, charge_point_id: str) -> int:
        """The version for the next SendLocalList (always above the current one)."""
        return max(self.local_list_version(charge_point_id) or 0, 0) + 1

    # ------------------------------------------------------------ reservations

    def new_reservation_id(self) -> int:
        """A reservation id not used before (persisted)."""
        self._last_reservation_id += 1
        self._changed()
        return self._last_reservation_id

    def reserve(
        self,
        charge_point_id: str,
        reservation_id: int,
        connector_id: int,
        id_tag: str,
        expiry_date: datetime,
        parent_id_tag: str | None = None,
    ) -> Reservation:
        """A ReserveNow was Accepted.

        The same id replaces its reservation (OCPP 1.6 §5.13), and so does a new one on
        the same connector: the charger accepted it, so the old one is gone.
        """
        expiry = _aware(expiry_date)
        tag = normalize_id_tag(id_tag)
        if expiry is None or tag is None:
            raise ValueError("a reservation needs an id tag and an expiry date")
        reservation = Reservation(
            int(reservation_id), int(connector_id), tag, expiry, normalize_id_tag(parent_id_tag)
        )
        held = self._reservations.setdefault(charge_point_id, {})
        for rid, other in list(held.items()):
            if other.connector_id == reservation.connector_id:
                del held[rid]
        held[reservation.reservation_id] = reservation
        self._last_reservation_id = max(self._last_reservation_id, reservation.reservation_id)
        self._changed()
        return reservation

    def cancel_reservation(self, charge_point_id: str, reservation_id: int) -> bool:
        """A CancelReservation was Accepted (or the reservation is abandoned)."""
        removed = self._reservations.get(charge_point_id, {}).pop(reservation_id, None)
        if removed is None:
            return False
        self._changed()
        return True

    def consume_reservation(
        self, charge_point_id: str, reservation_id: int, now: datetime | None = None
    ) -> Reservation | None:
        """A StartTransaction used the reservation: it ends. Returns it (None: unknown
        or already expired)."""
        self.drop_expired(now)
        reservation = self._reservations.get(charge_point_id, {}).pop(reservation_id, None)
        if reservation is not None:
            self._changed()
        return reservation

    def reservations(self, charge_point_id: str, now: datetime | None = None) -> list[Reservation]:
        """The charger's reservations that are still in force, by connector."""
        self.drop_expired(now)
        held = self._reservations.get(charge_point_id, {})
        return sorted(held.values(), key=lambda r: (r.connector_id, r.reservation_id))

    def drop_expired(self, now: datetime | None = None) -> bool:
        """Forget reservations past their expiry date; True when any were dropped."""
        now = _aware(now) or _utcnow()
        dropped = False
        for cp_id, held in list(self._reservations.items()):
            for rid, reservation in list(held.items()):
                if reservation.expired(now):
                    del held[rid]
                    dropped = True
            if not held:
                del self._reservations[cp_id]
        if dropped:
            self._changed()
        return dropped

    def forget_charger(self, charge_point_id: str) -> None:
        """A removed charger: its local list and reservations go."""
        had_list = self._local_lists.pop(charge_point_id, None) is not None
        had_reservations = self._reservations.pop(charge_point_id, None) is not None
        if had_list or had_reservations:
            self._changed()

    # ------------------------------------------------------------- persistence

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "policy": self._policy,
            "tags": [
                tag.to_dict() | {"managed": tag.id_tag in self._managed}
                for tag in self._tags.values()
            ],
            "local_lists": {cp: local.to_dict() for cp, local in self._local_lists.items()},
            "reservations": {
                cp: [r.to_dict() for r in held.values()]
                for cp, held in self._reservations.items()
                if held
            },
            "last_reservation_id": self._last_reservation_id,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Authorizer:
        """Restore from storage, skipping damaged parts."""
        authorizer = cls()
        if not isinstance(data, Mapping):
            return authorizer
        if data.get("policy") in POLICIES:
            authorizer.policy = data["policy"]
        skipped = 0
        for item in data.get("tags") or ():
            try:
                tag = IdTag.from_dict(item)
            except (AttributeError, TypeError, ValueError):
                skipped += 1
                continue
            authorizer._store(tag)
            if item.get("managed"):
                authorizer._managed.add(tag.id_tag)
        for cp_id, item in (data.get("local_lists") or {}).items():
            if isinstance(item, Mapping) and (local := LocalList.from_dict(item)):
                authorizer._local_lists[str(cp_id)] = local
        for cp_id, items in (data.get("reservations") or {}).items():
            for item in items if isinstance(items, list) else ():
                if isinstance(item, Mapping) and (reservation := Reservation.from_dict(item)):
                    held = authorizer._reservations.setdefault(str(cp_id), {})
                    held[reservation.reservation_id] = reservation
        last = data.get("last_reservation_id")
        authorizer._last_reservation_id = last if isinstance(last, int) else 0
        if skipped:
            _LOGGER.warning("Ignored %d unusable stored id tag(s)", skipped)
        return authorizer
