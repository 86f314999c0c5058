//! Tests of `iovec.rs` (through the kernel model's copyin).

use super::*;

fn import(iov: &[[u64; 2]]) -> Result<(u64, Vec<(u64, usize)>), Errno> {
    let mut got = Iovecs::import(iov.as_ptr() as u64, iov.len() as u32)?;
    let total = got.total();
    Ok((total, got.buffers().collect()))
}

#[test]
fn no_iovecs_is_an_empty_transfer() {
    let mut got = Iovecs::import(0, 0).unwrap();
    assert_eq!(got.total(), 0);
    assert_eq!(got.buffers().count(), 0);
    assert!(got.as_kernel_array().0.is_null());
}

#[test]
fn lengths_add_up_and_are_cut_at_max_rw_count() {
    assert_eq!(
        import(&[[0x1000, 5], [0x2000, 0], [0x3000, 7]]),
        Ok((12, vec![(0x1000, 5), (0x2000, 0), (0x3000, 7)]))
    );
    let big = MAX_RW_COUNT - 10;
    assert_eq!(
        import(&[[0x1000, big], [0x2000, 100], [0x3000, 5]]),
        Ok((
            MAX_RW_COUNT,
            vec![(0x1000, big as usize), (0x2000, 10), (0x3000, 0)]
        ))
    );
    // One buffer is cut before it is checked.
    assert_eq!(
        import(&[[0x1000, i64::MAX as u64]]),
        Ok((MAX_RW_COUNT, vec![(0x1000, MAX_RW_COUNT as usize)]))
    );
}

#[test]
fn bad_counts_lengths_and_addresses() {
    assert_eq!(import(&[[0x1000, u64::MAX]]).err(), Some(Errno::EINVAL));
    assert_eq!(
        import(&[[0x1000, 1], [0x2000, 1 << 63]]).err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(
        import(&[[0x1000, 1], [0x2000, i64::MAX as u64]]).err(),
        Some(Errno::EFAULT)
    );
    assert_eq!(
        import(&[[u64::MAX, 1], [0x2000, 1]]).err(),
        Some(Errno::EFAULT)
    );
    assert_eq!(
        import(&[[USER_SPACE_END - 4, 4], [0, 0]]).err(),
        Some(Errno::EFAULT)
    );
    assert_eq!(
        import(&[[USER_SPACE_END - 5, 4], [0, 0]]).map(|r| r.0),
        Ok(4)
    );
    let many = vec![[0x1000u64, 1u64]; 1025];
    assert_eq!(import(&many).err(), Some(Errno::EINVAL));
    assert_eq!(import(&many[..1024]).map(|r| r.0), Ok(1024));
    assert_eq!(Iovecs::import(8, 2).err(), Some(Errno::EFAULT));
    assert_eq!(
        Iovecs::import(USER_SPACE_END - 16, 2).err(),
        Some(Errno::EFAULT)
    );
}
