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

# Fuzz one target for a while: `just fuzz arm_request 300` (docs/FUZZING.md); new inputs and crashes go to target/fuzz/work/<target>/.
fuzz target seconds="60":
    W={{justfile_directory()}}/target/fuzz/work/{{target}} && mkdir -p $W/corpus $W/tmp && (test -x target/tools/bin/cargo-fuzz || cargo install cargo-fuzz --locked --version 0.13.2 --root target/tools) && TMPDIR=$W/tmp RUSTC_BOOTSTRAP=1 target/tools/bin/cargo-fuzz run --sanitizer none --fuzz-dir fuzz --target-dir target/fuzz {{target}} $W/corpus fuzz/corpus/{{target}} -- -max_total_time={{seconds}} -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$W/

# Fuzz every target one after the other, `seconds` each: `just fuzz-all 300`.
fuzz-all seconds="300":
    for target in $(ls fuzz/fuzz_targets | sed 's/\.rs$//'); do just fuzz $target {{seconds}} || exit 1; done
