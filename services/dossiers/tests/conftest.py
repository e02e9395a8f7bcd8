"""Shared fixtures of the dossiers tests: an application on a fixed clock, procedures, units.

``desk`` is the one-stop desk of a small world: two provinces, three wards
learned as identity would tell them (KnownUnit aggregates saved directly),
four procedures (one per boundary policy, one decided at province level),
and the application whose clock the test moves. Its helpers submit dossiers
and bring them to any status by the public commands.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from lienthong.personal import write_master_key_file
from lienthong.services.dossiers.application import DossiersApplication
from lienthong.services.dossiers.domain.applicant import Applicant
from lienthong.services.dossiers.domain.dossier import Status
from lienthong.services.dossiers.domain.procedure import ProcedureVersionSpec, RequiredDocument
from lienthong.services.dossiers.domain.units import KnownUnit

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from uuid import UUID

VIETNAM = dt.timezone(dt.timedelta(hours=7))

#: Registering a birth: a commune procedure, received anywhere in the country.
BIRTH = "1.001193"
#: Confirming residence: a commune procedure received anywhere in the province.
RESIDENCE = "1.004194"
#: First land-use right certificate: received only at the competent commune.
LAND = "1.004227"
#: A business registration decided by the province, received anywhere in the province.
BUSINESS = "2.001610"
WORKING_DAYS = {BIRTH: 10, RESIDENCE: 5, LAND: 15, BUSINESS: 3}

#: The applicant of most stories: born 1990 in Hà Nội (001), male (0).
PIN = "001090012345"


def vietnam(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment on Vietnam's wall clock, as the aware UTC datetime the clock returns."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM).astimezone(dt.UTC)


#: Wednesday 4 March 2026, 09:00 in Vietnam.
START = vietnam(2026, 3, 4)


class Clock:
    """A clock the test moves; the application reads it for every command."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        self.now = now

    def at(self, year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> None:
        """Move to a moment on Vietnam's wall clock."""
        self.now = vietnam(year, month, day, hour, minute)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def spec(**changes: Any) -> ProcedureVersionSpec:
    """A version of the birth-registration procedure, in force since the 2025 reform."""
    fields: dict[str, Any] = {
        "effective_date": dt.date(2025, 7, 1), "name": "Đăng ký khai sinh", "sector": "Hộ tịch",
        "competent_level": "commune", "competent_agency_kind": "people's committee",
        "processing_working_days": WORKING_DAYS[BIRTH],
        "required_documents": (RequiredDocument("Tờ khai đăng ký khai sinh", 1, True),),
        "fee_vnd": 0, "result_document_type": "Giấy khai sinh",
        "boundary_policy": "anywhere_in_country"}
    fields.update(changes)
    return ProcedureVersionSpec(**fields)


def add_procedures(app: DossiersApplication) -> None:
    app.create_procedure(BIRTH, spec())
    app.create_procedure(RESIDENCE, spec(
        name="Xác nhận thông tin về cư trú", sector="Đăng ký, quản lý cư trú",
        processing_working_days=WORKING_DAYS[RESIDENCE], result_document_type="Giấy xác nhận",
        boundary_policy="anywhere_in_province"))
    app.create_procedure(LAND, spec(
        name="Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", sector="Đất đai",
        processing_working_days=WORKING_DAYS[LAND], fee_vnd=100_000,
        result_document_type="Giấy chứng nhận quyền sử dụng đất",
        boundary_policy="competent_unit_only"))
    app.create_procedure(BUSINESS, spec(
        name="Đăng ký thành lập doanh nghiệp", sector="Thành lập và hoạt động doanh nghiệp",
        competent_level="province", competent_agency_kind="department of finance",
        processing_working_days=WORKING_DAYS[BUSINESS], fee_vnd=50_000,
        result_document_type="Giấy chứng nhận đăng ký doanh nghiệp",
        boundary_policy="anywhere_in_province"))


@dataclass(frozen=True)
class Units:
    """The units of the world, as dossiers learned them from identity."""

    hanoi: UUID  # province, 000.00.00.H01
    ba_dinh: UUID  # ward of Hà Nội, 000.00.12.H01
    hoan_kiem: UUID  # ward of Hà Nội, 000.00.13.H01
    hue: UUID  # province, 000.00.00.H57
    thuan_hoa: UUID  # ward of Huế, 000.00.21.H57
    agency_codes: dict[UUID, str] = field(default_factory=dict, compare=False)


def learn_units(app: DossiersApplication) -> Units:
    hanoi, hue = uuid.uuid4(), uuid.uuid4()
    learned = [
        KnownUnit(id=hanoi, display_name="Thành phố Hà Nội", level="province",
                  kind="municipality", administrative_unit_code="01",
                  agency_code="000.00.00.H01", parent_id=None, province_id=None),
        KnownUnit(id=uuid.uuid4(), display_name="Phường Ba Đình", level="commune", kind="ward",
                  administrative_unit_code="00004", agency_code="000.00.12.H01",
                  parent_id=hanoi, province_id=hanoi),
        KnownUnit(id=uuid.uuid4(), display_name="Phường Hoàn Kiếm", level="commune",
                  kind="ward", administrative_unit_code="00070", agency_code="000.00.13.H01",
                  parent_id=hanoi, province_id=hanoi),
        KnownUnit(id=hue, display_name="Thành phố Huế", level="province", kind="municipality",
                  administrative_unit_code="46", agency_code="000.00.00.H57", parent_id=None,
                  province_id=None),
        KnownUnit(id=uuid.uuid4(), display_name="Phường Thuận Hóa", level="commune",
                  kind="ward", administrative_unit_code="19753", agency_code="000.00.21.H57",
                  parent_id=hue, province_id=hue),
    ]
    app.save(*learned)
    ids = [unit.id for unit in learned]
    return Units(*ids, agency_codes={unit.id: unit.agency_code for unit in learned})


def applicant(**changes: str) -> Applicant:
    fields = {"full_name": "Nguyễn Văn An", "personal_identification_number": PIN,
              "phone": "0912345678", "address": "12 Phố Điện Biên Phủ, Ba Đình, Hà Nội"}
    fields.update(changes)
    return Applicant(**fields)


#: How to bring a freshly submitted dossier to each status, step by step.
PATHS: dict[Status, tuple[str, ...]] = {
    Status.NEW: (),
    Status.RECEIVED: ("receive",),
    Status.NOT_RECEIVED: ("refuse_to_receive",),
    Status.PROCESSING: ("receive", "assign"),
    Status.SUPPLEMENT_REQUESTED: ("receive", "assign", "request_supplement"),
    Status.FINANCIAL_OBLIGATION: ("receive", "assign", "require_financial_obligation"),
    Status.WITHDRAWN: ("withdraw",),
    Status.STOPPED: ("receive", "stop"),
    Status.PROCESSED: ("receive", "assign", "approve"),
    Status.RESULT_RETURNED: ("receive", "assign", "approve", "return_result"),
}


class Desk:
    """The application, its clock, units and procedures, and a few helpers.

    Test modules reach the shared constants through it (``desk.BIRTH``),
    since a conftest is not a module to import from.
    """

    BIRTH, RESIDENCE, LAND, BUSINESS = BIRTH, RESIDENCE, LAND, BUSINESS
    WORKING_DAYS = WORKING_DAYS
    PIN = PIN
    PATHS = PATHS
    applicant = staticmethod(applicant)
    vietnam = staticmethod(vietnam)
    spec = staticmethod(spec)

    def __init__(self, app: DossiersApplication, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        add_procedures(app)
        self.units = learn_units(app)

    def submit(self, procedure_code: str = BIRTH, *, receiving: UUID | None = None,
               competent: UUID | None = None, who: Applicant | None = None,
               **kwargs: Any) -> UUID:
        receiving = receiving or self.units.ba_dinh
        return self.app.submit_dossier(
            procedure_code=procedure_code, channel=kwargs.pop("channel", "counter"),
            applicant=who or applicant(), receiving_unit_id=str(receiving),
            competent_unit_id=str(competent or receiving),
            submitted_documents=kwargs.pop("submitted_documents", ["Tờ khai"]), **kwargs)

    def command(self, name: str, dossier_id: UUID | str, **kwargs: Any) -> UUID:
        """Run one of the public commands with valid arguments (overridable)."""
        d = str(dossier_id)
        app = self.app
        commands: dict[str, Callable[[], UUID]] = {
            "receive": lambda: app.receive_dossier(d, **kwargs),
            "refuse_to_receive": lambda: app.refuse_to_receive_dossier(
                d, **{"reason": "Hồ sơ không thuộc thẩm quyền", **kwargs}),
            "assign": lambda: app.assign_dossier(d, kwargs.pop("handler", "cb.tran"), **kwargs),
            "request_supplement": lambda: app.request_supplement(
                d, kwargs.pop("missing_documents", ["Giấy chứng sinh"]), **kwargs),
            "supplement": lambda: app.supplement_dossier(
                d, kwargs.pop("documents", ["Giấy chứng sinh"]), **kwargs),
            "require_financial_obligation": lambda: app.require_financial_obligation(
                d, kwargs.pop("amount_vnd", 50_000), **kwargs),
            "fulfil_financial_obligation": lambda: app.fulfil_financial_obligation(d, **kwargs),
            "transfer": lambda: app.transfer_dossier(
                d, str(kwargs.pop("to_unit_id", self.units.hoan_kiem)),
                kwargs.pop("deadline_working_days", 3), **kwargs),
            "pause": lambda: app.pause_dossier(
                d, **{"reason": "Chờ ý kiến cơ quan liên quan", **kwargs}),
            "resume": lambda: app.resume_dossier(d, **kwargs),
            "extend": lambda: app.extend_dossier(
                d, kwargs.pop("new_due_date", dt.date(2027, 1, 4)),
                kwargs.pop("apology_slip", "Phiếu xin lỗi số 01"), **kwargs),
            "approve": lambda: app.approve_dossier(
                d, kwargs.pop("result_documents", ["Giấy khai sinh"]), **kwargs),
            "reject": lambda: app.reject_dossier(
                d, **{"reason": "Không đủ điều kiện", **kwargs}),
            "return_result": lambda: app.return_result(d, **kwargs),
            "withdraw": lambda: app.withdraw_dossier(d, **kwargs),
            "stop": lambda: app.stop_dossier(d, **{"reason": "Công dân không bổ sung", **kwargs}),
        }
        return commands[name]()

    def in_status(self, status: Status, *, paused: bool = False, **submit: Any) -> UUID:
        """A new dossier brought to ``status`` by the public commands (paused if asked)."""
        dossier_id = self.submit(**submit)
        for step in PATHS[status]:
            self.command(step, dossier_id)
        if paused:
            self.command("pause", dossier_id)
        assert self.app.get_dossier(dossier_id).status is status
        return dossier_id


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pii_master_key_file(tmp_path: Path) -> Path:
    """A master key of personal data (required with PostgreSQL), as a Secret mounts it."""
    return write_master_key_file(tmp_path / "pii-master.key")


@pytest.fixture
def app(clock: Clock) -> DossiersApplication:
    """In memory; the integration tests use SQLite files and PostgreSQL."""
    return DossiersApplication(clock=clock)


@pytest.fixture
def sqlite_app(clock: Clock, tmp_path: Path) -> DossiersApplication:
    return DossiersApplication(f"sqlite:///{tmp_path / 'd.db'}", clock=clock)


@pytest.fixture
def desk(app: DossiersApplication, clock: Clock) -> Desk:
    return Desk(app, clock)
