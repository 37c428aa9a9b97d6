"""Load profile for bench/load: citizens filing tip-offs and reading pages and the API."""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

USCCS = [u for u in os.environ.get("LOAD_USCCS", "").split(",") if u]
CODES_FILE = os.environ.get("LOAD_CODES_FILE", "")
WORDS = ["化工", "兰州", "超标排放", "危险废物", "纸业", "lanzhou", "钢铁", "水务", "暗管", "噪声"]


class Citizen(HttpUser):
    wait_time = between(0.01, 0.05)

    @task(4)
    def search_page(self) -> None:
        self.client.get("/", params={"q": random.choice(WORDS)}, name="/?q=")

    @task(4)
    def enterprise_page(self) -> None:
        self.client.get(f"/enterprises/{random.choice(USCCS)}", name="/enterprises/{uscc}")

    @task(4)
    def api_enterprise(self) -> None:
        self.client.get(
            f"/api/v1/enterprises/{random.choice(USCCS)}", name="/api/v1/enterprises/{uscc}"
        )

    @task(2)
    def api_search(self) -> None:
        self.client.get("/api/v1/search", params={"q": random.choice(WORDS)}, name="/api/v1/search")

    @task(1)
    def file_tipoff(self) -> None:
        body = {
            "category": "air",
            "description": "夜间烟囱冒黑烟，气味刺鼻，持续一个多小时。",
            "location": "工业园区东门",
            "enterprise_uscc": random.choice(USCCS),
            "anonymous": True,
        }
        with self.client.post(
            "/api/v1/tipoffs", json=body, name="POST /api/v1/tipoffs", catch_response=True
        ) as response:
            if response.status_code == 201:
                with open(CODES_FILE, "a", encoding="utf-8") as fh:
                    fh.write(json.loads(response.text)["tracking_code"] + "\n")
                response.success()
            else:
                response.failure(f"status {response.status_code}")


class Baseline(HttpUser):
    """The same concurrency against /healthz: the same-run baseline."""

    wait_time = between(0.01, 0.05)

    @task
    def health(self) -> None:
        self.client.get("/healthz")


class ByUscc(HttpUser):
    """bench/api: one enterprise by USCC, as fast as possible."""

    wait_time = between(0, 0)

    @task
    def enterprise(self) -> None:
        self.client.get(
            f"/api/v1/enterprises/{random.choice(USCCS)}", name="/api/v1/enterprises/{uscc}"
        )
