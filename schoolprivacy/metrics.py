"""Prometheus metrics for the operator, at /metrics/ behind the HEALTH_TOKEN.

django-prometheus counts requests, answers by status, latencies and database use. The
gauges here say whether the work the users wait for gets done: the age of the oldest
mail in the outbox, mails set aside, copies stuck, Art. 19 notices pending, erasures
not yet in the ledger, and when each periodic job last ran. The core registers its own;
an app adds its gauges in its ready() with :func:`register`, so the core imports no app.
Each gauge is read when Prometheus scrapes, with one small query.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

import prometheus_client
from prometheus_client import multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector


@dataclass(frozen=True)
class Gauge:
    name: str
    documentation: str
    #: The value now; or a mapping of one label's values to values.
    read: Callable[[], float | dict[str, float] | None]
    label: str = ""


_gauges: dict[str, Gauge] = {}


def register(name: str, documentation: str, read, *, label: str = "") -> None:
    """Add the gauge ``schoolprivacy_<name>``, read at each scrape."""
    _gauges[name] = Gauge(f"schoolprivacy_{name}", documentation, read, label)


class _WorkCollector(Collector):
    def collect(self):
        for gauge in _gauges.values():
            value = gauge.read()
            if value is None:
                continue
            if gauge.label:
                family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
                for key, number in sorted(value.items()):
                    family.add_metric([key], number)
            else:
                family = GaugeMetricFamily(gauge.name, gauge.documentation, value=value)
            yield family


_collector = _WorkCollector()


def export() -> tuple[bytes, str]:
    """The metrics page and its content type: django-prometheus's counters of this process
    (or, under gunicorn with PROMETHEUS_MULTIPROC_DIR, of all its workers) and the gauges."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_collector)
    else:
        registry = REGISTRY
        if _collector not in REGISTRY._collector_to_names:
            REGISTRY.register(_collector)
    return prometheus_client.generate_latest(registry), prometheus_client.CONTENT_TYPE_LATEST


def register_core() -> None:
    from . import selectors

    register(
        "outbox_oldest_seconds",
        "Age of the oldest notice mail waiting to be sent (0 when none waits).",
        selectors.mail_outbox_oldest_seconds,
    )
    register(
        "mail_set_aside",
        "Notice mails set aside after a failure that is not the network's (dead letters).",
        selectors.mail_set_aside_count,
    )
    register(
        "last_run_timestamp_seconds",
        "When each periodic job last ran (Unix time).",
        selectors.last_runs,
        label="job",
    )
