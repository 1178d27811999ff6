"""Call statistics for tests and benchmarks (not part of Exact)."""
import threading
from collections import Counter


class Stats:
    def __init__(self, state):
        self.state = state
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.by_endpoint, self.by_division, self.by_status = Counter(), Counter(), Counter()
            self.token_calls = Counter()
            self.webhook_deliveries: list[dict] = []
            self.webhook_outcomes = Counter()   # "<kind> <status>" → count, never trimmed
            self.faults = Counter()

    def record_call(self, method: str, endpoint: str, division, status: int) -> None:
        with self.lock:
            self.by_endpoint[f"{method} {endpoint}"] += 1
            if division is not None:
                self.by_division[str(division)] += 1
            self.by_status[str(status)] += 1

    def record_token(self, status: int) -> None:
        with self.lock:
            self.token_calls[str(status)] += 1

    def record_fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1

    def record_delivery(self, delivery: dict) -> None:
        with self.lock:
            self.webhook_deliveries.append(delivery)
            self.webhook_outcomes[f"{delivery.get('kind')} {delivery.get('status')}"] += 1
            del self.webhook_deliveries[:-500]

    def snapshot(self) -> dict:
        with self.lock:
            return {"calls": dict(self.by_endpoint), "total_calls": sum(self.by_endpoint.values()),
                    "by_division": dict(self.by_division), "by_status": dict(self.by_status),
                    "token_calls": dict(self.token_calls), "faults": dict(self.faults),
                    "webhook_deliveries": list(self.webhook_deliveries),
                    "webhook_outcomes": dict(self.webhook_outcomes),
                    "entities": self.state.store.count_by_entity()}
