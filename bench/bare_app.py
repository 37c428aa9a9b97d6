"""The baseline for bench/api: a bare Flask JSON endpoint served by the same gunicorn."""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)
PAYLOAD = {
    "uscc": "91350100M000100Y43",
    "name": "兰州华源化工有限公司",
    "region_code": "620100",
    "industry_code": "C26",
    "level": "green",
    "score": 100,
}


@app.get("/api/v1/enterprises/<uscc>")
def enterprise(uscc: str):
    return jsonify({**PAYLOAD, "uscc": uscc})
