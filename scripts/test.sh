#!/usr/bin/env bash
# `npm test`: set up, type-check (the build), lint, then run every test with node:test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx eslint .
# Tests run as root against the real kernel; each test uses its own --root/--runroot in a temp dir.
exec node --test --test-concurrency="${HULL_TEST_CONCURRENCY:-2}" --test-timeout=300000 dist/src dist/test
