"""``python -m lienthong.services.dossiers``: the service as its ServiceSpec describes it."""

from lienthong.services.dossiers.spec import SERVICE

SERVICE.run()
