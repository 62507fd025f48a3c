"""Runs the conformance suite against a running azsim and prints one line per case.

Environment: ``AZSIM_DATA_DIR`` (the running cloud's data directory, where ``endpoints.json``
is) and ``AZSIM_BIN`` (the ``azsim`` executable, for ``azsim vm env``). The cloud is prepared
once (``cloud.prepare``), then every case runs in its own Python process whose environment is
this one without any Azure client settings, plus the case's own emulator settings.
The last line is ``N passed, N failed``; the exit code is 0 only when nothing failed.
"""

import json
import os
import subprocess
import sys
import tempfile
import traceback

import cloud
from cases import CASES

HERE = os.path.dirname(os.path.abspath(__file__))
CASE_TIMEOUT = 120

# Variables through which the client libraries pick credentials or endpoints; a developer's
# own settings must not leak into a case.
CLIENT_VARIABLE_PREFIXES = ("AZURE_", "IDENTITY_", "MSI_", "IMDS_", "MSAL_")


def base_environment():
    """This process's environment without any client-library setting."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(CLIENT_VARIABLE_PREFIXES)
    }


def run_case(name, env_builder, facts, facts_path):
    """Runs one case in a fresh process; returns ``None`` on success or why it failed."""
    environment = base_environment()
    environment.update(env_builder(facts))
    try:
        result = subprocess.run(
            [sys.executable, os.path.join(HERE, "cases.py"), name, facts_path],
            env=environment,
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=CASE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {CASE_TIMEOUT} s"
    if result.returncode == 0:
        return None
    why = result.stdout.strip().splitlines()
    if result.stderr.strip():
        sys.stderr.write(f"--- {name}\n{result.stderr}")
    return why[-1] if why else f"exit code {result.returncode}"


def main():
    """Prepares the cloud, runs every case, prints the verdicts; returns the exit code."""
    data_dir = os.environ["AZSIM_DATA_DIR"]
    azsim_bin = os.environ["AZSIM_BIN"]
    try:
        facts = cloud.prepare(data_dir, azsim_bin)
    except Exception as error:  # noqa: BLE001 - a failed preparation fails the suite
        traceback.print_exc()
        print(f"FAIL setup: {type(error).__name__}: {error}")
        print(f"0 passed, {len(CASES)} failed")
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        facts_path = os.path.join(scratch, "facts.json")
        with open(facts_path, "w", encoding="utf-8") as file:
            json.dump(facts, file)
        for name, (_, env_builder) in CASES.items():
            why = run_case(name, env_builder, facts, facts_path)
            if why is None:
                passed += 1
                print(f"PASS {name}", flush=True)
            else:
                failed += 1
                print(f"FAIL {name}: {why}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
