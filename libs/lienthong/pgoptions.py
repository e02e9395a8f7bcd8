"""libpq options of the event-store URL (``postgresql://...?sslmode=verify-full``).

``eventsourcing`` 9.5.6 builds its PostgreSQL connection pool from a fixed set
of keyword arguments (dbname, host, port, user, password): it has no setting for
TLS or any other libpq option. The event-store URL's query options are therefore
carried in the application's environment (``POSTGRES_SSLMODE``, ...) and
:class:`PostgresFactory` — eventsourcing's factory, plus these options — adds
them to the pool's connection arguments. An option libpq would not understand
here is refused when the URL is read, never dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eventsourcing.utils import Environment, EnvType

#: The factory a PostgreSQL event-store URL selects (PERSISTENCE_MODULE).
FACTORY_TOPIC = "lienthong.pgoptions:PostgresFactory"

#: libpq connection options an event-store URL may carry, passed to every connection.
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl",
                 "channel_binding", "application_name", "target_session_attrs")
#: Options of the URL that are ours, not libpq's.
OWN_OPTIONS = ("schema",)
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def env_key(option: str) -> str:
    return f"POSTGRES_{option.upper()}"


def options_from_query(query: Mapping[str, list[str]]) -> dict[str, str]:
    """The libpq options of a parsed URL query; ValueError names an unsupported one."""
    unknown = sorted(set(query) - set(LIBPQ_OPTIONS) - set(OWN_OPTIONS))
    if unknown:
        supported = ", ".join((*OWN_OPTIONS, *LIBPQ_OPTIONS))
        msg = (f"unsupported option(s) {', '.join(unknown)} in the event store URL "
               f"(supported: {supported})")
        raise ValueError(msg)
    options = {name: query[name][-1] for name in LIBPQ_OPTIONS if name in query}
    sslmode = options.get("sslmode")
    if sslmode is not None and sslmode not in SSLMODES:
        msg = f"sslmode={sslmode!r} in the event store URL is not one of {', '.join(SSLMODES)}"
        raise ValueError(msg)
    return options


def connect_kwargs(env: Mapping[str, str] | Environment) -> dict[str, str]:
    """The libpq options an application's environment carries, as connection kwargs."""
    kwargs = {}
    for name in LIBPQ_OPTIONS:
        value = env.get(env_key(name))
        if value:
            kwargs[name] = value
    return kwargs


def _factory() -> type:
    from eventsourcing.postgres import PostgresFactory as EventsourcingPostgresFactory

    from lienthong.pgrecorders import ApplicationRecorder, ProcessRecorder

    class PostgresFactory(EventsourcingPostgresFactory):
        """eventsourcing's PostgreSQL persistence, its connections given the URL's libpq
        options, its recorders saving a command's events in one statement
        (:mod:`lienthong.pgrecorders`)."""

        application_recorder_class = ApplicationRecorder
        process_recorder_class = ProcessRecorder

        def __init__(self, env: Environment | EnvType | None) -> None:
            super().__init__(env)
            pool: Any = self.datastore.pool
            pool.kwargs = {**(pool.kwargs or {}), **connect_kwargs(self.env)}

    PostgresFactory.__module__ = __name__
    return PostgresFactory


def __getattr__(name: str) -> Any:
    # The factory subclasses eventsourcing's PostgreSQL module, imported (with psycopg)
    # only by an application that uses PostgreSQL.
    if name == "PostgresFactory":
        factory = _factory()
        globals()[name] = factory
        return factory
    raise AttributeError(name)
