#!/usr/bin/env python3
"""Reference BitTorrent digests for the matcher tests, from torrents made by real tools.

  torrent_reference.py read TORRENT
      Parses a .torrent (any maker) and prints `piece-length N`, `piece0 HEX` (v1 first piece
      SHA-1, when the torrent has v1 pieces) and `pieces-root HEX` (v2, single-file torrents).
  torrent_reference.py libtorrent FILE PIECE_LENGTH TORRENT
      Makes a hybrid v1+v2 torrent of FILE with libtorrent (python3-libtorrent) and writes it.
"""
import sys


def bdecode(data, i=0):
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i += 1
        out = []
        while data[i:i + 1] != b"e":
            v, i = bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while data[i:i + 1] != b"e":
            k, i = bdecode(data, i)
            v, i = bdecode(data, i)
            out[k] = v
        return out, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    return data[colon + 1:colon + 1 + n], colon + 1 + n


def pieces_root(tree):
    """The single file's pieces root in a v2 `file tree`, or None."""
    for name, node in tree.items():
        if name == b"":
            return node.get(b"pieces root")
        found = pieces_root(node)
        if found is not None:
            return found
    return None


def read(path):
    with open(path, "rb") as f:
        meta, _ = bdecode(f.read())
    info = meta[b"info"]
    print("piece-length", info[b"piece length"])
    if info.get(b"pieces"):
        print("piece0", info[b"pieces"][:20].hex())
    if b"file tree" in info:
        root = pieces_root(info[b"file tree"])
        if root:
            print("pieces-root", root.hex())


def make_with_libtorrent(file, piece_length, out):
    import os
    import libtorrent as lt

    fs = lt.file_storage()
    lt.add_files(fs, file)
    t = lt.create_torrent(fs, int(piece_length))
    lt.set_piece_hashes(t, os.path.dirname(os.path.abspath(file)))
    with open(out, "wb") as f:
        f.write(lt.bencode(t.generate()))


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2])
    elif sys.argv[1] == "libtorrent":
        make_with_libtorrent(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: see the docstring")
