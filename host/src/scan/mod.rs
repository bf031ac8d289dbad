//! Reading the site's files: walking directories, and reading again only what may have
//! changed since the last scan.
//!
//! A rebuild without a watcher has to find out what changed by looking. Reading and comparing
//! every file costs four system calls each; a `stat` costs one. So each scan records every
//! file's stamp (length, modification and change times, inode), and the next scan reads only
//! the files whose stamp differs.
//!
//! - `stamps`: what each file looked like at the last scan, and which files to read again.
//! - `walk`: listing and stamping the files under a directory, on several threads.
//! - `links`: which symbolic links a walk follows, and the directories it must not reach twice.
//! - `ignored`: the files the config's `ignored_content` and `ignored_static` leave out.

mod ignored;
mod links;
mod stamps;
#[cfg(test)]
mod test_support;
mod walk;

pub(crate) use ignored::Ignored;
pub(crate) use links::ScanPolicy;
pub(crate) use stamps::{Found, Listing, Scanner, Stamp, read_texts, same_stamps};
pub(crate) use walk::files_under;
