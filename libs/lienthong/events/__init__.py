"""The event backbone: services tell each other what happened over NATS JetStream.

* :mod:`lienthong.events.envelope`: CloudEvents 1.0 in binary mode over NATS headers.
* :mod:`lienthong.events.contract`: which domain events a service publishes, and how.
* :mod:`lienthong.events.jetstream`: the streams, as code.
* :mod:`lienthong.events.relay`: the outbox relay, from the notification log to the stream.

The submodules are imported on demand, so that a consumer does not load the
relay (and the other way round).
"""
