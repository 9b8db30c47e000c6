"""Every curl example in the README answers 200 from the app, so the docs stay true."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
CURL = re.compile(r"curl -s \$API(?P<path>/[\w/]+)(?: -H '[^']*' \\\n\s+-d '(?P<body>[^']*)')?")


def readme_examples() -> list[tuple[str, str | None]]:
    examples = [(m["path"], m["body"]) for m in CURL.finditer(README.read_text())]
    assert len(examples) >= 13, "the README should show one curl example per endpoint"
    return examples


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "body"), readme_examples())
async def test_readme_curl_example_answers(client, path, body):
    if body is None:
        response = await client.get(f"/api/v1{path}")
    else:
        response = await client.post(f"/api/v1{path}", json=json.loads(body))
    assert response.status_code == 200, response.text


@pytest.mark.anyio
async def test_readme_tutorial_example_gives_the_tutorials_numbers(client):
    path, body = readme_examples()[0]
    assert path == "/conv2d"
    response = await client.post(f"/api/v1{path}", json=json.loads(body))
    assert response.json()["output"] == [[19, 25], [37, 43]]
