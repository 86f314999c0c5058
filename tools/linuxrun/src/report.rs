//! `linuxrun --report`: which Linux system calls the program made that
//! NetBSD with the module would not serve, and which the module served.
//!
//! The figures come through [`Source`], so that where they are counted can
//! change: today linuxrun counts the calls it sees ([`Seen`]); the module
//! may later count what it could not serve itself, read through the model.

use std::collections::BTreeMap;
use std::io::{self, Write};

use nix::unistd::Pid;

use crate::table::{self, Release};

/// How often a system call was made, and the process that made it first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    pub count: u64,
    pub first: Pid,
}

/// Tallies by Linux system call number.
#[derive(Default, Debug)]
pub struct Calls(BTreeMap<u64, Tally>);

impl Calls {
    /// Counts one call of `nr` by process `pid`.
    pub fn record(&mut self, nr: u64, pid: Pid) {
        self.0
            .entry(nr)
            .or_insert(Tally {
                count: 0,
                first: pid,
            })
            .count += 1;
    }

    pub fn iter(&self) -> impl Iterator<Item = (u64, Tally)> + '_ {
        self.0.iter().map(|(&nr, &t)| (nr, t))
    }
}

/// Where the report's figures come from.
pub trait Source {
    /// The calls NetBSD with the module would not serve (ENOSYS there).
    fn unserved(&self) -> &Calls;
    /// The calls the module served.
    fn served(&self) -> &Calls;
}

/// The calls linuxrun saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub unserved: Calls,
    pub served: Calls,
}

impl Source for Seen {
    fn unserved(&self) -> &Calls {
        &self.unserved
    }

    fn served(&self) -> &Calls {
        &self.served
    }
}

/// Writes the report: one table of the calls `release` with the module
/// lacks, one of the calls the module served. `host` says that the
/// lacking calls ran on the host here (`--host-syscalls`).
pub fn write(
    source: &dyn Source,
    release: Release,
    host: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fate = if host {
        "run on the host here, --host-syscalls"
    } else {
        "answered ENOSYS, as there"
    };
    writeln!(
        out,
        "linuxrun: system calls {release} with this module would not serve ({fate}):"
    )?;
    table(source.unserved(), Some(release), out)?;
    writeln!(out, "linuxrun: system calls the module served:")?;
    table(source.served(), None, out)
}

/// One table; a "?" after a name whose NetBSD entry is in doubt.
fn table(calls: &Calls, release: Option<Release>, out: &mut dyn Write) -> io::Result<()> {
    if calls.0.is_empty() {
        return writeln!(out, "  (none)");
    }
    writeln!(
        out,
        "  {:>4}  {:<24} {:>8}  {:>9}",
        "nr", "name", "calls", "first pid"
    )?;
    for (nr, tally) in calls.iter() {
        let doubt = release.is_some_and(|r| table::unsure(r, nr));
        let name = format!("{}{}", table::name(nr), if doubt { "?" } else { "" });
        writeln!(
            out,
            "  {nr:>4}  {name:<24} {:>8}  {:>9}",
            tally.count, tally.first
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_by_number_with_first_callers() {
        let mut seen = Seen::default();
        seen.unserved.record(334, Pid::from_raw(10));
        seen.unserved.record(434, Pid::from_raw(11));
        seen.unserved.record(334, Pid::from_raw(13));
        seen.served.record(326, Pid::from_raw(12));
        let mut out = Vec::new();
        write(&seen, Release::Ten, false, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let want = "\
linuxrun: system calls NetBSD 10 with this module would not serve (answered ENOSYS, as there):
    nr  name                        calls  first pid
   334  rseq                            2         10
   434  pidfd_open                      1         11
linuxrun: system calls the module served:
    nr  name                        calls  first pid
   326  copy_file_range                 1         12
";
        assert_eq!(out, want);
    }

    #[test]
    fn empty_tables_and_doubts() {
        let mut seen = Seen::default();
        seen.unserved.record(213, Pid::from_raw(1));
        let mut out = Vec::new();
        write(&seen, Release::Ten, true, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains("(run on the host here, --host-syscalls)"),
            "{out}"
        );
        assert!(out.contains("   213  epoll_create?  "), "{out}");
        assert!(out.ends_with("served:\n  (none)\n"), "{out}");
    }
}
