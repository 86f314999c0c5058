//! `linuxrun --report`: which Linux system calls the program made that
//! NetBSD with the module would not serve, and which the module served.
//!
//! The first table is the module's own record of the calls that reached
//! compat_linux's empty slots (`sysctl emul.linux.compat_linux_rs.nosys`,
//! read through the model), so that linuxrun and NetBSD cannot disagree;
//! the second is linuxrun's count of the calls it routed to the module's
//! handlers, which the module does not count.

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

/// The calls linuxrun routed to the module's handlers.
#[derive(Default, Debug)]
pub struct Seen {
    pub served: Calls,
}

/// Writes the report: the module's record of the calls `release` with the
/// module lacks (`None`: the module keeps none), then the calls the module
/// served. `host` says that the lacking calls ran on the host here
/// (`--host-syscalls`).
pub fn write(
    record: Option<&str>,
    seen: &Seen,
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
        "linuxrun: system calls {release} with this module would not serve ({fate}), \
         as the module recorded them:"
    )?;
    match record {
        None => writeln!(out, "  (the module keeps no record)")?,
        Some("") => writeln!(out, "  (none)")?,
        Some(record) => {
            writeln!(
                out,
                "  {:>4}  {:<24} {:>8}  {:>9}  last program",
                "nr", "name", "calls", "processes"
            )?;
            for line in record.lines() {
                let fields: Vec<&str> = line.splitn(5, ' ').collect();
                let [name, nr, calls, processes, program] = fields[..] else {
                    writeln!(out, "  {line}")?;
                    continue;
                };
                let doubt = nr.parse().is_ok_and(|nr| table::unsure(release, nr));
                let name = format!("{name}{}", if doubt { "?" } else { "" });
                writeln!(
                    out,
                    "  {nr:>4}  {name:<24} {calls:>8}  {processes:>9}  {program}"
                )?;
            }
        }
    }
    writeln!(out, "linuxrun: system calls the module served:")?;
    if seen.served.0.is_empty() {
        return writeln!(out, "  (none)");
    }
    writeln!(
        out,
        "  {:>4}  {:<24} {:>8}  {:>9}",
        "nr", "name", "calls", "first pid"
    )?;
    for (nr, tally) in seen.served.iter() {
        writeln!(
            out,
            "  {nr:>4}  {:<24} {:>8}  {:>9}",
            table::name(nr),
            tally.count,
            tally.first
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_record_then_the_calls_served() {
        let mut seen = Seen::default();
        seen.served.record(326, Pid::from_raw(12));
        seen.served.record(326, Pid::from_raw(13));
        let record = "rseq 334 2 2 prog\npidfd_open 434 1 1 other prog\n";
        let mut out = Vec::new();
        write(Some(record), &seen, Release::Ten, false, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        let want = "\
linuxrun: system calls NetBSD 10 with this module would not serve (answered ENOSYS, as there), as the module recorded them:
    nr  name                        calls  processes  last program
   334  rseq                            2          2  prog
   434  pidfd_open                      1          1  other prog
linuxrun: system calls the module served:
    nr  name                        calls  first pid
   326  copy_file_range                 2         12
";
        assert_eq!(out, want);
    }

    #[test]
    fn empty_tables_and_doubts() {
        let mut out = Vec::new();
        write(
            Some("epoll_create 213 1 1 p\n"),
            &Seen::default(),
            Release::Ten,
            true,
            &mut out,
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains("(run on the host here, --host-syscalls)"),
            "{out}"
        );
        assert!(out.contains("   213  epoll_create?  "), "{out}");
        assert!(out.ends_with("served:\n  (none)\n"), "{out}");

        let mut out = Vec::new();
        write(Some(""), &Seen::default(), Release::Eleven, false, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("recorded them:\n  (none)\n"), "{out}");
    }
}
