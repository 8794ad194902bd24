"""Default, spec-compliant replies of the simulated charger to the central system's CALLs.

Rules for every handler here (they run inside the receive loop):
* never ``await`` a CALL to the central system — the reply to that CALL can only be read by
  the very loop that is blocked in the handler, so it deadlocks until the response timeout;
* anything to send *after* the reply goes into a task (see ``_after_trigger_message``).

Handlers read ``self._inbound_payload`` (the camelCase payload as received, JSON floats) when
they store what they were sent; the library's snake_case kwargs carry ``Decimal`` values for
SetChargingProfile/RemoteStartTransaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.datatypes import KeyValue
from ocpp.v16.enums import (
    Action,
    AvailabilityStatus,
    CancelReservationStatus,
    ChargingProfileStatus,
    ClearCacheStatus,
    ClearChargingProfileStatus,
    ConfigurationStatus,
    DataTransferStatus,
    GetCompositeScheduleStatus,
    RemoteStartStopStatus,
    ReservationStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
    UpdateStatus,
)

from .meter import parse_measurands, unsupported_measurands
from .smart_charging import MAX_PROFILE, TX_PROFILE, ChargingProfileStore

MEASURAND_KEYS = frozenset(
    {"MeterValuesSampledData", "MeterValuesAlignedData", "StopTxnSampledData", "StopTxnAlignedData"}
)
TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    }
)
RATE_UNITS = {"Current": "A", "Power": "W", "A": "A", "W": "W"}

Policy = Callable[[dict[str, Any]], bool]


class CentralSystemCallHandlers:
    """Mixin with the ``@on`` handlers; ``SimulatedCharger`` provides the state below."""

    profile: Any  # ChargerProfile (annotated loosely to avoid an import cycle)
    connector_status: dict[int, str]
    transactions: dict[int, int]
    charging_profiles: ChargingProfileStore
    local_list_version: int
    local_list: dict[str, dict[str, Any]]
    reservations: dict[int, dict[str, Any]]
    remote_start_policy: Policy | None
    remote_stop_policy: Policy | None
    _inbound_payload: dict[str, Any]

    @property
    def configuration(self) -> dict[str, str]:
        """The charger's configuration keys (``profile.configuration``, shared)."""
        return self.profile.configuration  # type: ignore[no-any-return]

    @property
    def connector_count(self) -> int:
        return int(self.profile.connectors)

    def _schedule_trigger(self, requested_message: str, connector_id: int | None) -> None:
        raise NotImplementedError

    # --- Configuration -------------------------------------------------------------------

    @on(Action.get_configuration)
    def _on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> call_result.GetConfiguration:
        wanted = key or list(self.configuration)
        known = [self._key_value(k) for k in wanted if k in self.configuration]
        unknown = [k for k in wanted if k not in self.configuration]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    def _key_value(self, key: str) -> KeyValue:
        readonly = key in self.profile.readonly
        return KeyValue(key=key, readonly=readonly, value=self.configuration[key])

    @on(Action.change_configuration)
    def _on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> call_result.ChangeConfiguration:
        status = self._configuration_verdict(key, value)
        if status in (ConfigurationStatus.accepted, ConfigurationStatus.reboot_required):
            self.configuration[key] = value
        return call_result.ChangeConfiguration(status=status)

    def _configuration_verdict(self, key: str, value: str) -> ConfigurationStatus:
        if key not in self.configuration:
            return ConfigurationStatus.not_supported
        if key in self.profile.readonly or not self._value_fits(key, value):
            return ConfigurationStatus.rejected
        if key in self.profile.reboot_required:
            return ConfigurationStatus.reboot_required
        return ConfigurationStatus.accepted

    def _value_fits(self, key: str, value: str) -> bool:
        """Type check a new value against the current one (int, bool, measurand list)."""
        if key in MEASURAND_KEYS:
            names = parse_measurands(value)
            return not unsupported_measurands(names, self.profile.rejected_measurands)
        current = self.configuration[key]
        if current.isdigit():
            return value.isdigit()
        if current.lower() in ("true", "false"):
            return value.lower() in ("true", "false")
        return True

    # --- Trigger -------------------------------------------------------------------------

    @on(Action.trigger_message)
    def _on_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        return call_result.TriggerMessage(
            status=self._trigger_verdict(requested_message, connector_id)
        )

    @after(Action.trigger_message)
    def _after_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> None:
        # Runs after the reply has been sent; the follow-up message goes out from a task.
        if self._trigger_verdict(requested_message, connector_id) == TriggerMessageStatus.accepted:
            self._schedule_trigger(requested_message, connector_id)

    def _trigger_verdict(self, message: str, connector_id: int | None) -> TriggerMessageStatus:
        if message not in TRIGGERABLE:
            return TriggerMessageStatus.not_implemented
        if connector_id is not None and not 0 <= connector_id <= self.connector_count:
            return TriggerMessageStatus.rejected
        return TriggerMessageStatus.accepted

    # --- Transactions --------------------------------------------------------------------

    @on(Action.remote_start_transaction)
    def _on_remote_start_transaction(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        payload = self._inbound_payload
        accepted = self.remote_start_policy(payload) if self.remote_start_policy else True
        profile = payload.get("chargingProfile")
        target = connector_id or (1 if self.connector_count == 1 else None)
        if accepted and profile is not None and target is not None:
            self.charging_profiles.install(target, profile)
        return call_result.RemoteStartTransaction(status=_remote_status(accepted))

    @on(Action.remote_stop_transaction)
    def _on_remote_stop_transaction(
        self, transaction_id: int, **_: Any
    ) -> call_result.RemoteStopTransaction:
        payload = self._inbound_payload
        accepted = self.remote_stop_policy(payload) if self.remote_stop_policy else True
        return call_result.RemoteStopTransaction(status=_remote_status(accepted))

    # --- Smart charging ------------------------------------------------------------------

    @on(Action.set_charging_profile)
    def _on_set_charging_profile(
        self, connector_id: int, **_: Any
    ) -> call_result.SetChargingProfile:
        profile = self._inbound_payload["csChargingProfiles"]
        status = self._profile_verdict(connector_id, profile)
        if status == ChargingProfileStatus.accepted:
            self.charging_profiles.install(connector_id, profile)
        return call_result.SetChargingProfile(status=status)

    def _profile_verdict(self, connector: int, profile: dict[str, Any]) -> ChargingProfileStatus:
        ok = (
            0 <= connector <= self.connector_count
            and self._purpose_fits(connector, profile)
            and self._schedule_fits(profile)
        )
        return ChargingProfileStatus.accepted if ok else ChargingProfileStatus.rejected

    def _purpose_fits(self, connector: int, profile: dict[str, Any]) -> bool:
        purpose = profile["chargingProfilePurpose"]
        if purpose == TX_PROFILE:  # only for a running transaction on a real connector
            return connector in self.transactions
        if purpose == MAX_PROFILE:
            return connector == 0
        return True

    def _schedule_fits(self, profile: dict[str, Any]) -> bool:
        schedule = profile["chargingSchedule"]
        config = self.configuration
        allowed = {
            RATE_UNITS.get(unit.strip(), unit.strip())
            for unit in config.get("ChargingScheduleAllowedChargingRateUnit", "A,W").split(",")
        }
        max_level = int(config.get("ChargeProfileMaxStackLevel", "8"))
        max_periods = int(config.get("ChargingScheduleMaxPeriods", "24"))
        return (
            schedule["chargingRateUnit"] in allowed
            and 0 <= profile["stackLevel"] <= max_level
            and len(schedule["chargingSchedulePeriod"]) <= max_periods
        )

    @on(Action.clear_charging_profile)
    def _on_clear_charging_profile(
        self,
        id: int | None = None,  # OCPP field name
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        removed = self.charging_profiles.clear(
            profile_id=id,
            connector=connector_id,
            purpose=charging_profile_purpose,
            stack_level=stack_level,
        )
        status = (
            ClearChargingProfileStatus.accepted if removed else ClearChargingProfileStatus.unknown
        )
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_composite_schedule)
    def _on_get_composite_schedule(self, **_: Any) -> call_result.GetCompositeSchedule:
        return call_result.GetCompositeSchedule(status=GetCompositeScheduleStatus.rejected)

    # --- Core operations -----------------------------------------------------------------

    @on(Action.change_availability)
    def _on_change_availability(
        self, connector_id: int, **_: Any
    ) -> call_result.ChangeAvailability:
        if not 0 <= connector_id <= self.connector_count:
            return call_result.ChangeAvailability(status=AvailabilityStatus.rejected)
        busy = connector_id in self.transactions or (connector_id == 0 and self.transactions)
        status = AvailabilityStatus.scheduled if busy else AvailabilityStatus.accepted
        return call_result.ChangeAvailability(status=status)

    @on(Action.reset)
    def _on_reset(self, **_: Any) -> call_result.Reset:
        return call_result.Reset(status=ResetStatus.accepted)

    @on(Action.unlock_connector)
    def _on_unlock_connector(self, connector_id: int, **_: Any) -> call_result.UnlockConnector:
        known = 1 <= connector_id <= self.connector_count
        status = UnlockStatus.unlocked if known else UnlockStatus.not_supported
        return call_result.UnlockConnector(status=status)

    @on(Action.data_transfer)
    def _on_data_transfer(self, **_: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.clear_cache)
    def _on_clear_cache(self, **_: Any) -> call_result.ClearCache:
        return call_result.ClearCache(status=ClearCacheStatus.accepted)

    # --- Local authorization list --------------------------------------------------------

    @on(Action.get_local_list_version)
    def _on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(list_version=self.local_list_version)

    @on(Action.send_local_list)
    def _on_send_local_list(self, list_version: int, **_: Any) -> call_result.SendLocalList:
        payload = self._inbound_payload
        if payload["updateType"] == "Full":
            self.local_list = {}
        for entry in payload.get("localAuthorizationList", []):
            if "idTagInfo" in entry:
                self.local_list[entry["idTag"]] = entry["idTagInfo"]
            else:
                self.local_list.pop(entry["idTag"], None)
        self.local_list_version = list_version
        return call_result.SendLocalList(status=UpdateStatus.accepted)

    # --- Reservations --------------------------------------------------------------------

    @on(Action.reserve_now)
    def _on_reserve_now(self, connector_id: int, **_: Any) -> call_result.ReserveNow:
        status = self._reservation_verdict(connector_id)
        if status == ReservationStatus.accepted:
            self.reservations[self._inbound_payload["reservationId"]] = self._inbound_payload
        return call_result.ReserveNow(status=status)

    def _reservation_verdict(self, connector_id: int) -> ReservationStatus:
        if not 0 <= connector_id <= self.connector_count:
            return ReservationStatus.rejected
        current = self.connector_status.get(connector_id, "Available")
        if current == "Faulted":
            return ReservationStatus.faulted
        if current == "Unavailable":
            return ReservationStatus.unavailable
        if connector_id in self.transactions or current not in ("Available", "Preparing"):
            return ReservationStatus.occupied
        return ReservationStatus.accepted

    @on(Action.cancel_reservation)
    def _on_cancel_reservation(
        self, reservation_id: int, **_: Any
    ) -> call_result.CancelReservation:
        known = self.reservations.pop(reservation_id, None) is not None
        status = CancelReservationStatus.accepted if known else CancelReservationStatus.rejected
        return call_result.CancelReservation(status=status)

    # --- Firmware & diagnostics (accepted, nothing is ever uploaded) ---------------------

    @on(Action.update_firmware)
    def _on_update_firmware(self, **_: Any) -> call_result.UpdateFirmware:
        return call_result.UpdateFirmware()

    @on(Action.get_diagnostics)
    def _on_get_diagnostics(self, **_: Any) -> call_result.GetDiagnostics:
        return call_result.GetDiagnostics()


def _remote_status(accepted: bool) -> RemoteStartStopStatus:
    return RemoteStartStopStatus.accepted if accepted else RemoteStartStopStatus.rejected
