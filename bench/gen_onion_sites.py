#!/usr/bin/env python3
"""Generates N onion leak sites for the scale benchmark (issue #18).

  bench/gen_onion_sites.py OUT [--sites 10000] [--match-every 100] [--proxy-url URL]

Writes:
  OUT/sites/<56-char v3 onion label>/   one site per folder, served by one nginx by Host name:
      README.txt, SHA256SUMS (a checksum list of the site's files), 2 or 3 subfolders with
      10 to 15 files each (empty sparse files of varied sizes: content is never fetched);
      every --match-every'th site also holds files of the signed dataset under its own names
      and sizes, and a third of those lists the dataset files' real SHA-256 in SHA256SUMS.
  OUT/dataset/          the organisation's dataset (random content), for `leakwatch sign`.
  OUT/leakwatch.toml    one [[proxy]] "lat" (--proxy-url, default socks5h://127.0.0.1:9050)
                        and one [[source]] per site through it.
  OUT/urls.txt          the sites' root URLs, one per line (for Scrapy).
  OUT/expected.json     the sites that hold dataset files, and how many.
Deterministic: the same arguments give the same tree.
"""

import argparse
import base64
import hashlib
import json
import os
import random

DATASET_FILES = 24


def onion(i):
    return base64.b32encode(hashlib.sha512(b"leakwatch-bench-site-%d" % i).digest()[:35]).decode().lower()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--sites", type=int, default=10000)
    parser.add_argument("--match-every", type=int, default=100)
    parser.add_argument("--proxy-url", default="socks5h://127.0.0.1:9050")
    args = parser.parse_args()
    rng = random.Random(18)
    out = args.out
    os.makedirs(os.path.join(out, "sites"), exist_ok=True)
    dataset = os.path.join(out, "dataset")
    os.makedirs(dataset, exist_ok=True)
    files = []  # (name, size, sha256)
    for n in range(DATASET_FILES):
        body = rng.randbytes(rng.randint(4096, 65536))
        name = "plate_%04d_%s.jpg" % (n, hashlib.md5(body).hexdigest()[:6])
        with open(os.path.join(dataset, name), "wb") as f:
            f.write(body)
        files.append((name, len(body), hashlib.sha256(body).hexdigest()))

    expected = {}
    sources = []
    urls = []
    entries = 0
    for i in range(args.sites):
        label = onion(i)
        root = os.path.join(out, "sites", label)
        sums = []
        subs = ["archive", "docs", "misc"][: rng.choice((2, 3))]
        for sub in subs:
            d = os.path.join(root, sub)
            os.makedirs(d, exist_ok=True)
            for f in range(rng.randint(10, 15)):
                name = "%s_%05d_%02d.%s" % (sub, i, f, rng.choice(("pdf", "xlsx", "csv", "txt", "png")))
                path = os.path.join(d, name)
                with open(path, "wb") as fh:
                    fh.truncate(rng.randint(1000, 50_000_000))
                sums.append((hashlib.sha256(name.encode()).hexdigest(), sub + "/" + name))
                entries += 1
        if args.match_every and i % args.match_every == 0:
            d = os.path.join(root, "leak")
            os.makedirs(d, exist_ok=True)
            chosen = rng.sample(files, rng.randint(8, DATASET_FILES))
            for name, size, digest in chosen:
                with open(os.path.join(d, name), "wb") as fh:
                    fh.truncate(size)
                if (i // args.match_every) % 3 == 0:
                    sums.append((digest, "leak/" + name))
                entries += 1
            expected[label] = len(chosen)
        with open(os.path.join(root, "README.txt"), "w") as fh:
            fh.write("Download everything. Mirror %d.\n" % i)
        with open(os.path.join(root, "SHA256SUMS"), "w") as fh:
            fh.writelines("%s  %s\n" % s for s in sums)
        entries += 2
        url = "http://%s.onion/" % label
        urls.append(url)
        sources.append(
            '[[source]]\nname = "site-%05d"\nurl = "%s"\nproxy = "lat"\nkind = "listing"\n'
            'depth = 3\nfetch_content = "never"\n' % (i, url)
        )
    with open(os.path.join(out, "leakwatch.toml"), "w") as fh:
        fh.write('data_dir = "data"\n\n[[proxy]]\nname = "lat"\nurl = "%s"\n\n' % args.proxy_url)
        fh.write("\n".join(sources))
    with open(os.path.join(out, "urls.txt"), "w") as fh:
        fh.write("\n".join(urls) + "\n")
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump({"sites": args.sites, "entries": entries, "matching_sites": expected}, fh)
    print("%d sites, %d entries, %d holding dataset files" % (args.sites, entries, len(expected)))


if __name__ == "__main__":
    main()
