//! Tests of `iovec.rs` through the model's copyin.

use super::*;

fn array(elements: &[[u64; 2]]) -> Vec<u64> {
    elements.iter().flatten().copied().collect()
}

const END: u64 = 0x7fff_ffff_f000;

#[test]
fn copies_and_reads_elements() {
    let a = array(&[[0x1000, 5], [0x2000, 0], [0x3000, 7]]);
    let v = Iovecs::copy_in(a.as_ptr() as u64, 3, Buffers::AsGiven, END).unwrap();
    assert_eq!(v.count(), 3);
    assert_eq!(
        v.get(2),
        Segment {
            base: 0x3000,
            len: 7
        }
    );
    assert_eq!(v.total(), 12);
    let none = Iovecs::copy_in(16, 0, Buffers::Checked, END).unwrap();
    assert_eq!((none.count(), none.total()), (0, 0));
}

#[test]
fn counts_lengths_and_addresses_are_checked() {
    let big = vec![[0x1000u64, 1]; 1025];
    let a = array(&big);
    assert_eq!(
        Iovecs::copy_in(a.as_ptr() as u64, 1025, Buffers::AsGiven, END).err(),
        Some(Errno::EINVAL)
    );
    assert!(Iovecs::copy_in(a.as_ptr() as u64, 1024, Buffers::AsGiven, END).is_ok());
    let neg = array(&[[0x1000, 1], [0x1000, 1 << 63]]);
    assert_eq!(
        Iovecs::copy_in(neg.as_ptr() as u64, 2, Buffers::AsGiven, END).err(),
        Some(Errno::EINVAL)
    );
    // The array itself must lie in user space; past it: EFAULT.
    assert_eq!(
        Iovecs::copy_in(END - 16, 2, Buffers::AsGiven, END).err(),
        Some(Errno::EFAULT)
    );
    // Buffers of the caller are checked; another process's are not.
    let far = array(&[[END - 4, 8]]);
    assert!(Iovecs::copy_in(far.as_ptr() as u64, 1, Buffers::AsGiven, END).is_ok());
    assert_eq!(
        Iovecs::copy_in(far.as_ptr() as u64, 1, Buffers::Checked, END).err(),
        Some(Errno::EFAULT)
    );
}

#[test]
fn the_caller_s_buffers_are_cut_to_max_rw_count() {
    let a = array(&[[0x1000, MAX_RW_COUNT - 10], [0x2000, 100], [0x3000, 5]]);
    let v = Iovecs::copy_in(a.as_ptr() as u64, 3, Buffers::Checked, END).unwrap();
    assert_eq!(
        (v.get(0).len, v.get(1).len, v.get(2).len, v.total()),
        (MAX_RW_COUNT - 10, 10, 0, MAX_RW_COUNT)
    );
    // One element is cut, then checked.
    let one = array(&[[0x1000, 1 << 62]]);
    let v = Iovecs::copy_in(one.as_ptr() as u64, 1, Buffers::Checked, END).unwrap();
    assert_eq!(v.total(), MAX_RW_COUNT);
}
