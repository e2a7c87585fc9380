#!/usr/bin/env python3
"""Generates the bundled demo: a small synthetic sensitive dataset and local leak sites.

Everything is synthetic and deterministic (seeded), so every run shows the same findings:
  OUT/sensitive/         the organisation's dataset (licence-plate "images" and a traveller CSV)
  OUT/site/leaks/perceptics-dump/   a leak post's open directory: part of the dataset, re-foldered,
                                    one file renamed, plus the criminals' own files
  OUT/site/forum/market/            a decoy: the same file names with other content and sizes
  OUT/site/forum/unrelated/         nothing of ours
  OUT/site/pastes/proof.txt         a "proof" paste: 12 traveller rows among 400 made-up ones
"""
import os
import random
import shutil
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "demo-out"
rng = random.Random(2019)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def fake_jpeg(size):
    # A JPEG-looking header, then noise: content that only hashing can recognise.
    body = bytes(rng.getrandbits(8) for _ in range(size - 4))
    return b"\xff\xd8\xff\xe0" + body


for sub in ("sensitive", "site"):
    shutil.rmtree(os.path.join(out, sub), ignore_errors=True)

sensitive = os.path.join(out, "sensitive")
images = {}
for i in range(24):
    name = "plate_%05d.jpg" % (1000 + i)
    data = fake_jpeg(rng.randint(6_000, 40_000))
    images[name] = data
    write(os.path.join(sensitive, "cbp-lane-3", name), data)
rows = ["traveller_id,plate,crossing"]
travellers = []
for i in range(200):
    plate = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(7))
    travellers.append(("T%06d" % i, plate))
    rows.append("T%06d,%s,San Ysidro" % (i, plate))
write(os.path.join(sensitive, "travellers.csv"), ("\n".join(rows) + "\n").encode())

dump = os.path.join(out, "site", "leaks", "perceptics-dump")
names = sorted(images)
for name in names[:10]:
    write(os.path.join(dump, "perceptics", "images", name), images[name])
# Renamed: only its content can prove it.
write(os.path.join(dump, "perceptics", "misc", "IMG_0001.jpg"), images[names[10]])
write(os.path.join(dump, "README.txt"), b"Perceptics files, free. Mirror it.\n")
write(os.path.join(dump, "tools", "extract.sh"), b"#!/bin/sh\necho nothing here\n")

market = os.path.join(out, "site", "forum", "market")
for name in names[:6]:
    write(os.path.join(market, name), fake_jpeg(rng.randint(1_000, 5_000)))
write(os.path.join(out, "site", "forum", "unrelated", "holiday.jpg"), fake_jpeg(12_345))

# A paste that proves the leak with table rows (record fingerprints find them, issue #7).
paste = ["-- sample of the Perceptics traveller table, full dump on request --", "id | plate"]
real = 0
for i in range(400):
    if i % 33 == 0 and real < 12:
        real += 1
        tid, plate = travellers[i % 200]
        paste.append("%s | %s" % (tid, plate.lower()))
    plate = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(7))
    paste.append("T%06d | %s" % (500000 + i, plate))
write(os.path.join(out, "site", "pastes", "proof.txt"), ("\n".join(paste) + "\n").encode())

print("demo data in %s: %d sensitive files, leak site with %d of them" % (out, len(images) + 1, 11))
