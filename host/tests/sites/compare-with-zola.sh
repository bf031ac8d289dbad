#!/usr/bin/env bash
# Builds the Zola fixture sites with Zola and with dodeca-host and compares every output file.
#
#   compare-with-zola.sh [OPTIONS] ZOLA_BIN DODECA_BIN [SITE...]
#
# ZOLA_BIN   a `zola` binary (built from source, see BENCHMARKS.md), or `-` to compare with the
#            output committed in each site's `zola-public/` instead of building with Zola.
# DODECA_BIN the `dodeca-host` binary; its cells are found next to it, as always.
# SITE       a site directory, or a name under this directory (`zola-blog`, or just `blog`);
#            default: every `zola-*` site here.
#
# Options:
#   --loose-escapes     treat Tera's `&#x2F;` as `/` and `&#x27;` as `&#39;` before comparing
#   --full-diff         print a unified diff of each differing file, not just its first difference
#   --all               list every file only one side has (default: the first 15 of each)
#   --keep              keep the scratch directory (printed) instead of removing it
#   --update-reference  write Zola's fresh output into each site's `zola-public/`
#
# Each site is copied to a scratch directory (on /dev/shm when it exists) and built there by
# both, so neither writes into the repository. HTML and XML files are compared after
# normalising whitespace: runs of white space become one space, and white space next to a tag
# is dropped (so `<p>\n  a\n</p>` equals `<p>a</p>`; text in `<pre>` is normalised too). Other
# files are compared byte for byte. A failed dodeca build is reported (its first lines of
# stderr) and whatever it did write is still compared: files it did not write are "only
# Zola". When Zola is run, its fresh output is also checked against `zola-public/`, so a stale
# reference is noticed.
#
# Per site it prints the files only one side has, the files that differ (with the first
# differing line of each, after normalisation), and a summary line:
#
#   zola-blog: N same, M differ, K only-zola, J only-ours
#
# Exit code: 0 when every site is the same, 1 when any differs, 2 on a usage error or when
# Zola itself fails to build a site.

set -u
set -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
loose=0 full=0 keep=0 update=0 all=0
while [ $# -gt 0 ]; do
    case "$1" in
        --loose-escapes) loose=1 ;;
        --full-diff) full=1 ;;
        --all) all=1 ;;
        --keep) keep=1 ;;
        --update-reference) update=1 ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        --) shift; break ;;
        -) break ;;
        -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
if [ $# -lt 2 ]; then
    echo "usage: $0 [--loose-escapes] [--full-diff] [--all] [--keep] [--update-reference] ZOLA_BIN DODECA_BIN [SITE...]" >&2
    exit 2
fi
zola=$1 dodeca=$2
shift 2
if [ "$zola" != "-" ] && ! [ -x "$zola" ]; then
    echo "ZOLA_BIN '$zola' is not an executable (or give '-' to use the committed zola-public/)" >&2
    exit 2
fi
if [ "$zola" = "-" ] && [ "$update" = 1 ]; then
    echo "--update-reference needs a zola binary" >&2
    exit 2
fi
if ! [ -x "$dodeca" ]; then
    echo "DODECA_BIN '$dodeca' is not an executable" >&2
    exit 2
fi
zola=$( [ "$zola" = "-" ] && echo - || realpath "$zola")
dodeca=$(realpath "$dodeca")

sites=()
if [ $# -eq 0 ]; then
    for d in "$here"/zola-*/; do sites+=("${d%/}"); done
else
    for s in "$@"; do
        if [ -d "$s" ]; then sites+=("$(realpath "$s")")
        elif [ -d "$here/$s" ]; then sites+=("$here/$s")
        elif [ -d "$here/zola-$s" ]; then sites+=("$here/zola-$s")
        else echo "no site '$s' (looked in ., $here)" >&2; exit 2
        fi
    done
fi

scratch_root=/dev/shm
[ -d "$scratch_root" ] && [ -w "$scratch_root" ] || scratch_root=${TMPDIR:-/tmp}
scratch=$(mktemp -d "$scratch_root/compare-with-zola.XXXXXX")
if [ "$keep" = 1 ]; then
    echo "scratch directory: $scratch"
else
    trap 'rm -rf "$scratch"' EXIT
fi

# Normalises one file onto stdout: one tag or text run per line, so that `diff` shows where.
normalise() {
    case "$1" in
        *.html|*.htm|*.xml|*.xsl|*.svg)
            LOOSE=$loose perl -0777 -ne '
                s/\s+/ /g;              # runs of white space: one space
                s/\s*(<[^>]*>)\s*/$1/g; # none next to a tag
                if ($ENV{LOOSE}) { s/&#x2F;/\//g; s/&#x27;/&#39;/g; }
                s/(<[^>]*>)/\n$1\n/g;   # a tag per line, for the diff
                s/\n+/\n/g; s/^\n//;
                print;
            ' "$1"
            ;;
        *) cat "$1" ;;
    esac
}

# The first difference of two normalised files: up to three lines from each side.
first_difference() {
    diff "$1" "$2" | awk '
        /^[0-9]/ { if (hunk) exit; hunk = 1; next }
        /^</ && za < 3 { print "      zola: " substr($0, 3, 160); za++; next }
        /^>/ && ou < 3 { print "      ours: " substr($0, 3, 160); ou++; next }
    '
}

# Lists the files named in $1, the first 15 unless --all.
list() {
    local count
    count=$(wc -l <"$1")
    if [ "$all" = 1 ] || [ "$count" -le 15 ]; then
        sed 's/^/      /' "$1"
    else
        head -n 15 "$1" | sed 's/^/      /'
        echo "      ... and $((count - 15)) more (--all lists them)"
    fi
}

# Copies a site without its reference output or anything a build left behind.
copy_site() {
    mkdir -p "$2"
    (cd "$1" && tar --exclude=./zola-public --exclude=./public --exclude=./.cache -cf - .) \
        | (cd "$2" && tar -xf -)
}

status=0
for site in "${sites[@]}"; do
    name=$(basename "$site")
    work="$scratch/$name"
    mkdir -p "$work"
    echo "== $name"

    # Zola's side.
    if [ "$zola" = "-" ]; then
        zola_out="$site/zola-public"
        if ! [ -d "$zola_out" ]; then
            echo "   no committed zola-public/ to compare with; give a zola binary" >&2
            status=2
            continue
        fi
    else
        copy_site "$site" "$work/zola-site"
        zola_out="$work/zola-out"
        if ! (cd "$work/zola-site" && "$zola" build -o "$zola_out") >"$work/zola.log" 2>&1; then
            echo "   zola failed to build the site:"
            sed 's/^/   | /' "$work/zola.log" | head -n 20
            status=2
            continue
        fi
        if [ "$update" = 1 ]; then
            rm -rf "$site/zola-public"
            cp -a "$zola_out" "$site/zola-public"
            echo "   zola-public/ updated"
        elif [ -d "$site/zola-public" ]; then
            if diff -r -q "$zola_out" "$site/zola-public" >"$work/reference.diff" 2>&1; then
                echo "   reference zola-public/: up to date"
            else
                echo "   reference zola-public/: STALE ($(wc -l <"$work/reference.diff") differences; rerun with --update-reference)"
            fi
        fi
    fi

    # Ours.
    copy_site "$site" "$work/ours-site"
    ours_out="$work/ours-out"
    if "$dodeca" build "$work/ours-site" -o "$ours_out" -q >"$work/ours.log" 2>&1; then
        echo "   dodeca-host: built"
    else
        code=$?
        errors=$(grep -c -E '^(error|[^ ].*:[0-9]+(:[0-9]+)?: )' "$work/ours.log")
        echo "   dodeca-host: FAILED (exit $code, $errors error lines); first lines of its output:"
        sed 's/^/   | /' "$work/ours.log" | head -n 12
    fi
    mkdir -p "$ours_out"

    # Compare.
    (cd "$zola_out" && find . -type f | sed 's|^\./||' | sort) >"$work/zola.files"
    (cd "$ours_out" && find . -type f | sed 's|^\./||' | sort) >"$work/ours.files"
    comm -23 "$work/zola.files" "$work/ours.files" >"$work/only-zola"
    comm -13 "$work/zola.files" "$work/ours.files" >"$work/only-ours"
    same=0 differ=0
    : >"$work/differ"
    while IFS= read -r file; do
        a="$zola_out/$file" b="$ours_out/$file"
        if cmp -s "$a" "$b"; then
            same=$((same + 1))
            continue
        fi
        normalise "$a" >"$work/a.norm"
        normalise "$b" >"$work/b.norm"
        if cmp -s "$work/a.norm" "$work/b.norm"; then
            same=$((same + 1))
        else
            differ=$((differ + 1))
            {
                echo "   differs: $file"
                if [ "$full" = 1 ]; then
                    diff -u --label "zola/$file" --label "ours/$file" "$work/a.norm" "$work/b.norm" | sed 's/^/      /'
                else
                    first_difference "$work/a.norm" "$work/b.norm"
                fi
            } >>"$work/differ"
        fi
    done < <(comm -12 "$work/zola.files" "$work/ours.files")
    only_zola=$(wc -l <"$work/only-zola")
    only_ours=$(wc -l <"$work/only-ours")

    if [ "$only_zola" -gt 0 ]; then
        echo "   only in Zola's output ($only_zola):"
        list "$work/only-zola"
    fi
    if [ "$only_ours" -gt 0 ]; then
        echo "   only in ours ($only_ours):"
        list "$work/only-ours"
    fi
    cat "$work/differ"
    echo "$name: $same same, $differ differ, $only_zola only-zola, $only_ours only-ours"
    if [ "$differ" -gt 0 ] || [ "$only_zola" -gt 0 ] || [ "$only_ours" -gt 0 ]; then
        [ "$status" = 0 ] && status=1
    fi
done
exit "$status"
