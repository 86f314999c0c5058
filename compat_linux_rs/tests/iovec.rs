//! Tests of `iovec.rs` through the model's copyin.

use super::*;

fn array(elements: &[[u64; 2]]) -> Vec<u64> {
    elements.iter().flatten().copied().collect()
}

const END: u64 = LINUX_USER_END;

/// The caller's buffers of `elements`, checked: the total and each
/// element as cut.
fn checked(elements: &[[u64; 2]]) -> Result<(u64, Vec<Segment>), Errno> {
    let a = array(elements);
    let v = Iovecs::copy_in(a.as_ptr() as u64, elements.len() as u64, Buffers::Checked)?;
    Ok((v.total(), (0..v.count()).map(|i| v.get(i)).collect()))
}

fn seg(base: u64, len: u64) -> Segment {
    Segment { base, len }
}

#[test]
fn copies_and_reads_elements() {
    let a = array(&[[0x1000, 5], [0x2000, 0], [0x3000, 7]]);
    let mut v = Iovecs::copy_in(a.as_ptr() as u64, 3, Buffers::AsGiven).unwrap();
    assert_eq!(v.count(), 3);
    assert_eq!(v.get(2), seg(0x3000, 7));
    assert_eq!(v.total(), 12);
    assert_eq!(v.as_kernel_array().1, 3);
    let mut none = Iovecs::copy_in(16, 0, Buffers::Checked).unwrap();
    assert_eq!((none.count(), none.total()), (0, 0));
    assert!(none.as_kernel_array().0.is_null());
}

#[test]
fn counts_lengths_and_addresses_are_checked() {
    let big = vec![[0x1000u64, 1]; 1025];
    let a = array(&big);
    assert_eq!(
        Iovecs::copy_in(a.as_ptr() as u64, 1025, Buffers::AsGiven).err(),
        Some(Errno::EINVAL)
    );
    assert!(Iovecs::copy_in(a.as_ptr() as u64, 1024, Buffers::AsGiven).is_ok());
    assert_eq!(checked(&big[..1024]).map(|r| r.0), Ok(1024));
    let neg = array(&[[0x1000, 1], [0x1000, 1 << 63]]);
    assert_eq!(
        Iovecs::copy_in(neg.as_ptr() as u64, 2, Buffers::AsGiven).err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(checked(&[[0x1000, u64::MAX]]).err(), Some(Errno::EINVAL));
    // The array itself must lie in user space; past it: EFAULT.
    assert_eq!(
        Iovecs::copy_in(END - 16, 2, Buffers::AsGiven).err(),
        Some(Errno::EFAULT)
    );
    assert_eq!(
        Iovecs::copy_in(8, 2, Buffers::Checked).err(),
        Some(Errno::EFAULT)
    );
    // Buffers of the caller are checked; another process's are not.
    let far = array(&[[END - 4, 8]]);
    assert!(Iovecs::copy_in(far.as_ptr() as u64, 1, Buffers::AsGiven).is_ok());
    assert_eq!(
        Iovecs::copy_in(far.as_ptr() as u64, 1, Buffers::Checked).err(),
        Some(Errno::EFAULT)
    );
}

#[test]
fn the_caller_s_buffers_end_below_linux_s_user_end() {
    assert_eq!(checked(&[[END - 4, 4], [0, 0]]).err(), Some(Errno::EFAULT));
    assert_eq!(checked(&[[END - 5, 4], [0, 0]]).map(|r| r.0), Ok(4));
    assert_eq!(
        checked(&[[0x1000, 1], [0x2000, i64::MAX as u64]]).err(),
        Some(Errno::EFAULT)
    );
    assert_eq!(
        checked(&[[u64::MAX, 1], [0x2000, 1]]).err(),
        Some(Errno::EFAULT)
    );
}

#[test]
fn the_caller_s_buffers_are_cut_to_max_rw_count() {
    assert_eq!(
        checked(&[[0x1000, MAX_RW_COUNT - 10], [0x2000, 100], [0x3000, 5]]),
        Ok((
            MAX_RW_COUNT,
            vec![
                seg(0x1000, MAX_RW_COUNT - 10),
                seg(0x2000, 10),
                seg(0x3000, 0)
            ]
        ))
    );
    // One element is cut, then checked.
    assert_eq!(
        checked(&[[0x1000, i64::MAX as u64]]),
        Ok((MAX_RW_COUNT, vec![seg(0x1000, MAX_RW_COUNT)]))
    );
}
