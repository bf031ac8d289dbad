//! Names the watcher never reports: editors' swap, backup, lock and probe files.
//!
//! Most editor temporaries need no rule: a file created and then renamed away or deleted
//! within one batch leaves no trace in it (see `batch`), so `*.tmp`, gedit's
//! `.goutputstream-*` or vim's `4913` probe vanish by themselves, and the rename of one onto a
//! real name is reported as a change of that name. The names below are the ones that *stay*
//! while an editor works, and would otherwise make a batch, and a rebuild, of their own on
//! every keystroke or save: vim's swap file is rewritten every few seconds while typing.

/// Whether `name` (one path component) is an editor's working file, never part of a site:
///
/// - vim's swap files `.page.md.swp` (then `.swo`, `.swn` … when one exists) and its `.swx`
///   and `.swpx` probes;
/// - backups `page.md~` (vim's `backup`, Emacs, gedit, nano);
/// - vim's write probe `4913` (and its next names, 4913 + 123·k, when one is taken: see
///   `buf_write` in vim's `bufwrite.c`);
/// - Emacs' lock `.#page.md` (a dangling symbolic link) and auto-save `#page.md#`;
/// - Kate's `.page.md.kate-swp`, JetBrains' `page.md___jb_tmp___` and `___jb_old___`.
pub(crate) fn is_editor_file(name: &str) -> bool {
    if name.ends_with('~') || name.starts_with(".#") {
        return true;
    }
    if name.len() > 2 && name.starts_with('#') && name.ends_with('#') {
        return true;
    }
    if name.ends_with(".kate-swp")
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
    {
        return true;
    }
    if let Some((stem, extension)) = name.rsplit_once('.')
        && !stem.is_empty()
        && is_vim_swap_extension(extension)
    {
        return true;
    }
    is_vim_probe(name)
}

/// `swp`, `swo` … `swa` (vim counts down from `p` when a swap file exists), `swx`, `swpx`.
fn is_vim_swap_extension(extension: &str) -> bool {
    match extension.as_bytes() {
        [b's', b'w', b'a'..=b'p' | b'x'] => true,
        _ => extension == "swpx",
    }
}

/// `4913`, then 4913 + 123·k up to 99999 (vim's loop in `buf_write`).
fn is_vim_probe(name: &str) -> bool {
    name.len() <= 5
        && name.bytes().all(|b| b.is_ascii_digit())
        && name.parse::<u32>().is_ok_and(|n| n >= 4913 && (n - 4913) % 123 == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_recognised_and_site_files_are_not() {
        for name in [
            ".page.md.swp",
            ".page.md.swo",
            ".page.md.swx",
            ".page.md.swpx",
            "page.md.swp",
            "page.md~",
            "~",
            "4913",
            "5036",
            ".#page.md",
            "#page.md#",
            ".page.md.kate-swp",
            "page.md___jb_tmp___",
            "page.md___jb_old___",
        ] {
            assert!(is_editor_file(name), "{name} is an editor's file");
        }
        for name in [
            "page.md",
            "page.tmp",
            ".swp",
            "swap.swq",
            "4914",
            "4912",
            "491300",
            "#",
            "##",
            "#tag",
            "a#b#",
            ".hidden",
            "_index.md",
            "style.css",
        ] {
            assert!(!is_editor_file(name), "{name} is a site's file");
        }
    }
}
