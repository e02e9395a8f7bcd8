"""The procedure catalogue's use cases, mixed into the dossiers application.

Commands load a :class:`Procedure`, change it and save it with the request
record, like every command of the platform. Listing reads the in-memory
:class:`~.projections.ProcedureIndex`, which follows the notification log.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from lienthong.errors import AlreadyExists, InvalidArgument, NotFound
from lienthong.validation import PageRequest
from lienthong.vietnam import today_in_vietnam

from .domain.procedure import (
    COMPETENT_LEVELS,
    Procedure,
    ProcedureVersion,
    ProcedureVersionSpec,
    parse_procedure_code,
    procedure_id,
    validate_new_procedure,
    validate_new_version,
)
from .projections import ProcedureIndex
from .projections import sector_key as _sector_key

if TYPE_CHECKING:
    import datetime as dt

    from lienthong.eventstore import ReadAtOnce
    from lienthong.idempotency import Command, IdempotentApplication

    _Application = IdempotentApplication
else:
    _Application = object

__all__ = ["CatalogCommands", "ProcedureIndex", "ProcedureVersion", "ProcedureVersionSpec"]


class CatalogCommands(_Application):
    """Creates procedures and their versions; reads them back.

    Mix in before :class:`~lienthong.idempotency.IdempotentApplication` and
    call :meth:`_init_catalog` from ``__init__`` after ``super().__init__()``.
    """

    procedure_index: ProcedureIndex

    def _init_catalog(self) -> None:
        self.procedure_index = self.follow(ProcedureIndex.of(self))

    def today(self) -> dt.date:
        """The day in Vietnam (the application may override this with its clock)."""
        return today_in_vietnam()

    # -- commands -----------------------------------------------------------

    def create_procedure(self, procedure_code: str, first_version: ProcedureVersionSpec, *,
                         request_id: str = "", reason: str = "") -> str:
        """Create a procedure with its version 1; returns its code."""
        payload = {"procedure_code": procedure_code, "first_version": asdict(first_version)}
        code, spec = validate_new_procedure(procedure_code, first_version)

        def execute(command: Command) -> dict[str, Any]:
            if self.exists(procedure_id(code)):
                msg = f"procedure_code: procedure {code} is in the catalogue already"
                raise AlreadyExists(msg, reason="PROCEDURE_ALREADY_EXISTS",
                                    metadata={"procedure_code": code, "field": "procedure_code"})
            procedure = Procedure.create(code, spec)
            return self.save_command(command, {"procedure_code": code}, procedure)

        done = self.run_command(request_id, "CreateProcedure", payload, execute, reason=reason)
        return str(done["procedure_code"])

    def add_procedure_version(self, procedure_code: str, version: ProcedureVersionSpec, *,
                              request_id: str = "", reason: str = "") -> int:
        """Add a version taking effect after the latest one; returns its number."""
        payload = {"procedure_code": procedure_code, "version": asdict(version)}
        code, spec = validate_new_version(procedure_code, version)

        def execute(command: Command) -> dict[str, Any]:
            procedure = self.get_procedure(code)
            added = procedure.add_version(spec)
            return self.save_command(command, {"version": added.version}, procedure)

        done = self.run_command(request_id, "AddProcedureVersion", payload, execute,
                                reason=reason)
        return int(done["version"])

    # -- queries ------------------------------------------------------------

    def get_procedure(self, procedure_code: str,
                      loaded: ReadAtOnce | None = None) -> Procedure:
        """The procedure as recorded (not the index: commands rely on it); from ``loaded``
        (aggregates a command read at once) when given."""
        code = parse_procedure_code(procedure_code)
        procedure = self.loaded_or_get(procedure_id(code), loaded)
        if not isinstance(procedure, Procedure):
            raise NotFound("procedure", code)
        return procedure

    def procedure_version(self, procedure_code: str, version: int) -> ProcedureVersion:
        """Version ``version`` of a procedure, as a dossier received under it names it."""
        return self.get_procedure(procedure_code).numbered_version(version)

    def list_procedures(self, *, sector: str = "", competent_level: str = "", size: int = 0,
                        token: str = "") -> tuple[list[Procedure], str]:
        """One page of procedures in code order, and the next page's token ("" at the end).

        The filters match the version in force today (or, for a procedure not
        yet in force, its first version).
        """
        if competent_level and competent_level not in COMPETENT_LEVELS:
            raise InvalidArgument.single("competent_level", "ENUM_VALUE",
                                         f"must be one of {', '.join(COMPETENT_LEVELS)}")
        request = PageRequest.of(size, token, {"sector": _sector_key(sector),
                                               "competent_level": competent_level})
        self.procedure_index.refresh()
        return request.cut(self.procedure_index.list(sector=sector,
                                                      competent_level=competent_level,
                                                      day=self.today()))
