#!/usr/bin/env python3
"""Makes a defective copy of a module for linuxrun's loader tests.

Usage: mkbad.py DEFECT IN OUT

  truncated    the first half of the file (the section headers are lost)
  short        the first 40 bytes (not even a whole ELF header)
  magic        e_ident does not start with \\x7fELF
  class        ELFCLASS32 in e_ident
  shoff        e_shoff far past the end of the file
  machine      e_machine 183 (AArch64)
  type         e_type ET_EXEC
  reloc        the first PC32 relocation written as GOTPCREL (9)
  symbol       the undefined symbol copyin renamed copyix
  required     mi_required "compat_linuy" instead of "compat_linux"
"""
import struct
import sys

SHT_RELA = 4
R_X86_64_PC32, R_X86_64_GOTPCREL = 2, 9


def first_pc32(elf):
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    for i in range(shnum):
        sh = shoff + i * shentsize
        sh_type, = struct.unpack_from("<I", elf, sh + 4)
        if sh_type != SHT_RELA:
            continue
        offset, size = struct.unpack_from("<QQ", elf, sh + 0x18)
        for rel in range(offset, offset + size, 24):
            info, = struct.unpack_from("<Q", elf, rel + 8)
            if info & 0xFFFFFFFF == R_X86_64_PC32:
                return rel + 8, info
    sys.exit("no PC32 relocation")


def replace_once(elf, old, new):
    at = elf.find(old)
    if at < 0 or elf.find(old, at + 1) >= 0 or len(old) != len(new):
        sys.exit(f"{old!r} is not in the file exactly once")
    elf[at:at + len(old)] = new


def main(defect, src, dst):
    with open(src, "rb") as f:
        elf = bytearray(f.read())
    if defect == "truncated":
        elf = elf[:len(elf) // 2]
    elif defect == "short":
        elf = elf[:40]
    elif defect == "magic":
        elf[1] = ord("X")
    elif defect == "class":
        elf[4] = 1
    elif defect == "shoff":
        struct.pack_into("<Q", elf, 0x28, 1 << 40)
    elif defect == "machine":
        struct.pack_into("<H", elf, 0x12, 183)
    elif defect == "type":
        struct.pack_into("<H", elf, 0x10, 2)
    elif defect == "reloc":
        at, info = first_pc32(elf)
        struct.pack_into("<Q", elf, at, (info & ~0xFFFFFFFF) | R_X86_64_GOTPCREL)
    elif defect == "symbol":
        replace_once(elf, b"\0copyin\0", b"\0copyix\0")
    elif defect == "required":
        replace_once(elf, b"\0compat_linux\0", b"\0compat_linuy\0")
    else:
        sys.exit(f"unknown defect {defect}")
    with open(dst, "wb") as f:
        f.write(elf)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
