# Conveniences over plain cargo commands; every recipe is a one-liner you can run without just.

# Start the whole fake cloud (embedded SQLite in ./.azsim).
up *args:
    cargo run --release -- up {{args}}

# Run every test.
test *args:
    cargo test --workspace {{args}}

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

fmt:
    cargo fmt --all

# What CI runs.
ci:
    bash .ci/run

# Crash-consistency trials (kill -9 during a write storm, restart, check): just crash-trials 50
crash-trials n="30":
    AZSIM_CRASH_TRIALS={{n}} cargo test -p azsim-cli --test crash_consistency -- --nocapture

# Throughput figures (ratios against a baseline measured in the same run).
bench *args:
    cargo run --release -p azsim-bench -- {{args}}

# Print the recorded hops of the managed-identity flow.
events *args:
    cargo run --release -- events {{args}}

# Create a new migration file: just migration create_things
migration name:
    touch migrations/$(date -u +%Y%m%d%H%M%S)_{{name}}.sql
