//! What the attaching side checks before it trusts a segment.

mod common;

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;

use shm::{ErrorKind, RegionKind, Segment, Side};

fn segment() -> Segment {
    Segment::builder().ring(4096).heap(1 << 20).build().unwrap()
}

/// A second descriptor for the segment's memfd, as a `File` to scribble on.
fn file_of(seg: &Segment) -> File {
    File::from(seg.fd().try_clone_to_owned().unwrap())
}

fn attach_err(seg: &Segment) -> shm::Error {
    Segment::attach(seg.fd().try_clone_to_owned().unwrap()).unwrap_err()
}

#[test]
fn attach_maps_the_same_regions_on_the_other_side() {
    let seg = segment();
    let other = Segment::attach(seg.fd().try_clone_to_owned().unwrap()).unwrap();
    assert_eq!(other.side(), Side::Attacher);
    assert_eq!(other.len(), seg.len());
    assert_eq!(other.region_kind(0), Some(RegionKind::Ring));
    assert_eq!(other.region_kind(1), Some(RegionKind::Heap));
    assert_eq!(other.region_kind(2), None);
    assert_eq!(other.heap(0).unwrap_err().kind(), ErrorKind::InvalidSegment);
}

#[test]
fn attach_refuses_a_wrong_magic() {
    let seg = segment();
    file_of(&seg).write_at(b"notshm!!", 0).unwrap();
    let err = attach_err(&seg);
    assert_eq!(err.kind(), ErrorKind::InvalidSegment);
    assert!(err.to_string().contains("magic"), "{err}");
}

#[test]
fn attach_refuses_another_layout_version() {
    let seg = segment();
    file_of(&seg).write_at(&99u32.to_le_bytes(), 8).unwrap();
    let err = attach_err(&seg);
    assert!(err.to_string().contains("layout version 99"), "{err}");
}

#[test]
fn attach_refuses_a_header_size_that_disagrees_with_the_file() {
    let seg = segment();
    file_of(&seg).write_at(&(seg.len() as u64 * 2).to_le_bytes(), 16).unwrap();
    let err = attach_err(&seg);
    assert_eq!(err.kind(), ErrorKind::InvalidSegment);
    assert!(err.to_string().contains("but the file has"), "{err}");
}

#[test]
fn attach_refuses_a_region_outside_the_file() {
    let seg = segment();
    // Region 1's length, in the table at 192 + 24 + 16.
    file_of(&seg).write_at(&u64::MAX.to_le_bytes(), 192 + 24 + 16).unwrap();
    let err = attach_err(&seg);
    assert!(err.to_string().contains("region 1"), "{err}");
}

#[test]
fn attach_refuses_a_file_that_is_not_sealed() {
    let seg = segment();
    let mut image = vec![0; seg.len()];
    file_of(&seg).read_exact_at(&mut image, 0).unwrap();
    // SAFETY: memfd_create only reads the NUL-terminated name; the descriptor it returns is
    // owned by the File right after.
    let raw = unsafe { libc::memfd_create(c"unsealed".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(raw >= 0);
    // SAFETY: `raw` is a fresh descriptor (not -1: checked above) that nobody else owns.
    let copy = File::from(unsafe { OwnedFd::from_raw_fd(raw) });
    copy.write_all_at(&image, 0).unwrap();
    let err = Segment::attach(OwnedFd::from(copy)).unwrap_err();
    assert!(err.to_string().contains("not sealed"), "{err}");
}

#[test]
fn attach_refuses_a_file_smaller_than_the_header() {
    // SAFETY: as above.
    let raw = unsafe { libc::memfd_create(c"tiny".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(raw >= 0);
    // SAFETY: `raw` is a fresh descriptor (not -1: checked above) that nobody else owns.
    let tiny = unsafe { OwnedFd::from_raw_fd(raw) };
    assert_eq!(Segment::attach(tiny).unwrap_err().kind(), ErrorKind::InvalidSegment);
}

#[test]
fn share_with_leaves_the_descriptor_close_on_exec_in_this_process() {
    let seg = segment();
    let mut cmd = std::process::Command::new("true");
    let fd = seg.share_with(&mut cmd);
    assert_eq!(fd, seg.fd().as_raw_fd());
    // SAFETY: F_GETFD takes no argument and only reads flags, on a descriptor `seg` holds open.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    assert!(flags & libc::FD_CLOEXEC != 0);
    assert!(cmd.status().unwrap().success());
}
