#!/usr/bin/env python3
"""List the device code images embedded in an executable built by nvcc.

usage: fatbin_archs.py PROGRAM

Prints one line per image of the ELF section .nv_fatbin: "elf sm_90" for a
cubin, "ptx sm_90" for PTX, so a test can check what nvcc put in without
cuobjdump (the cuda_cuobjdump component is not always installed).  Format
(public, as parsed by e.g. n-eiling/cuda-fatbin-decompression): fatbin
headers (magic 0xBA55ED50, u16 version, u16 header size, u64 size of the
entries), each entry starting with u16 kind (1 PTX, 2 ELF), u16, u32 header
size, u64 payload size, ..., u32 arch at offset 28.  Exit 1 when there is
no .nv_fatbin section or it holds no image.
"""
import struct
import sys


def section(data, want):
    if data[:4] != b"\x7fELF" or data[4] != 2:
        sys.exit("not a 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def sh(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        name, _, _, _, off, size = sh(i)[:6]
        end = data.index(b"\0", stroff + name)
        if data[stroff + name:end].decode() == want:
            return data[off:off + size]
    return None


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    fb = section(data, ".nv_fatbin")
    if fb is None:
        print("no .nv_fatbin section")
        return 1
    pos, n = 0, 0
    while pos + 16 <= len(fb):
        magic, _, hsize, size = struct.unpack_from("<IHHQ", fb, pos)
        if magic != 0xBA55ED50:
            pos += 8  # containers are 8-byte aligned, with zero padding between
            continue
        e, end = pos + hsize, pos + hsize + size
        while e + 32 <= end:
            kind, _, ehsize, psize = struct.unpack_from("<HHIQ", fb, e)
            arch, = struct.unpack_from("<I", fb, e + 28)
            print("%s sm_%d" % ({1: "ptx", 2: "elf"}.get(kind, "kind%d" % kind), arch))
            n += 1
            e += ehsize + psize
        pos = end
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(main())
