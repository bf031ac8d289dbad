#!/usr/bin/env bash
# Runs every fuzz target for SECONDS, one after another, and prints one line per target: its
# name, the inputs run, the findings (crash, timeout, out-of-memory and leak files) and where
# they are. Exits 1 if any target found anything, 2 if one could not run (it is then named, not
# counted as a finding).
#
#   fuzz/run-all.sh SECONDS [TARGET...]      (every target of `cargo fuzz list` by default)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler for libfuzzer-sys; runs on
# stable Rust through RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly flags such as
# -Zsanitizer=address). Each target starts from its committed seeds, `fuzz/corpus/<target>/`,
# copied into a scratch directory, so the inputs the fuzzer adds never land in the repository
# (the committed corpora stay a few KB). The scratch directory ($TMPDIR) is kept: its
# `<target>/artifacts/` hold the findings, `<target>/log` libFuzzer's output; rerun a finding
# with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>` in fuzz/.
set -uo pipefail
cd "$(dirname "$0")"

if (($# < 1)) || ! [[ $1 =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run-all.sh SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: install it with 'cargo install cargo-fuzz'" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1

if (($# > 0)); then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dodeca-fuzz.XXXXXX")
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, scratch ${scratch}"

# One build of every target first, so that no target's time goes to compiling.
if ! cargo fuzz build >"$scratch/build.log" 2>&1; then
    echo "fuzz: cargo fuzz build failed, see $scratch/build.log" >&2
    tail -20 "$scratch/build.log" >&2
    exit 2
fi

total_findings=0
total_failed=0
for target in "${targets[@]}"; do
    dir="$scratch/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    if [[ -d corpus/$target ]]; then
        cp corpus/"$target"/* "$dir/corpus/" 2>/dev/null
    fi
    seeds=$(find "$dir/corpus" -type f | wc -l)
    # -timeout: an input that takes 10 s is a finding (libFuzzer's default is 20 minutes).
    cargo fuzz run "$target" "$dir/corpus" -- \
        -max_total_time="$seconds" -timeout=10 -artifact_prefix="$dir/artifacts/" \
        -print_final_stats=1 >"$dir/log" 2>&1
    status=$?
    # libFuzzer's last status line ("#123456 DONE ..." or the last "#N" before a crash).
    runs=$(grep -oE '^#[0-9]+' "$dir/log" | tail -1 | tr -d '#')
    findings=$(find "$dir/artifacts" -type f \
        \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
    # A non-zero exit with no artifact is a target that did not run (a build or startup
    # failure, a vanished working directory): an error of the run, not a finding.
    failed=0
    if ((status != 0 && findings == 0)); then
        failed=1
        total_failed=$((total_failed + 1))
    fi
    total_findings=$((total_findings + findings))
    corpus=$(find "$dir/corpus" -type f | wc -l)
    line="${target} runs=${runs:-0} findings=${findings} seeds=${seeds} corpus=${corpus} exit=${status}"
    if ((failed)); then
        line+=" did-not-run log=$dir/log"
    elif ((findings > 0)); then
        line+=" artifacts=$dir/artifacts log=$dir/log"
    fi
    echo "$line"
done

echo "fuzz: ${total_findings} findings, ${total_failed} targets that did not run, in ${#targets[@]} targets (${seconds}s each), scratch ${scratch}"
if ((total_failed > 0)); then
    exit 2
fi
((total_findings == 0))
