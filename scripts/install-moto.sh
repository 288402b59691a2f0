#!/usr/bin/env bash
# Installs the moto tier's Python tools (moto_server and awscli, exact versions from
# test/moto/requirements.txt) into .venv/ at the repository root, which git ignores.
# `npm test` runs test/moto/ when .venv/bin/moto_server exists (or CAPLAB_MOTO_SERVER names
# one) and reports it skipped, with the reason, otherwise. Needs python3 with venv and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r test/moto/requirements.txt
echo "moto tier: moto $(.venv/bin/python -c 'import moto; print(moto.__version__)'), $(.venv/bin/aws --version 2>&1) in .venv/"
