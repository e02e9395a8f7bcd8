"""``python -m lienthong.services.signatures``: the service as its ServiceSpec describes it."""

from lienthong.services.signatures.spec import SERVICE

SERVICE.run()
