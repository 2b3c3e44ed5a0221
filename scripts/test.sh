#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run all of it:
# format and lint checks, type checks, and pytest on DuckDB and on Spark (local[2]).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1; then
  # Spark needs a Java runtime; Debian's OpenJDK 17 is what pyspark 4 supports.
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

.venv/bin/ruff format --check src tests benchmarks
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/pytest --doctest-modules src tests "$@"
