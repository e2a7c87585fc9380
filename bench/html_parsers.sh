#!/usr/bin/env bash
# gumbo 0.10.1 against libxml2 2.9.14's HTML parser (Debian 12) on the pages that decided the
# parser (docs/SECURITY.md "Parser choice"): nested <div>s (gumbo walks its stack of open
# elements for every tag, so its time grows with the square of the depth; libxml2 stops at 256
# open elements) and an ordinary 32 MiB Apache listing (time and peak memory).
# Needs gcc, libgumbo-dev and libxml2-dev (gumbo is not a build dependency any more).
# Usage: bench/html_parsers.sh [WORKDIR]
set -euo pipefail
dir="${1:-$(mktemp -d)}"
mkdir -p "$dir"
cat >"$dir/parse.c" <<'C'
#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* parse.c gumbo|libxml2 FILE: parse time of FILE; the tree is not freed (gumbo's cleanup
   recurses once per level and would overflow the stack on the deep pages). */
int main(int argc, char** argv) {
  if (argc != 3) return 2;
  FILE* f = fopen(argv[2], "rb");
  if (!f) return 1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char* buf = malloc(n + 1);
  if (fread(buf, 1, n, f) != (size_t)n) return 1;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  const char* note = "";
  if (strcmp(argv[1], "gumbo") == 0) {
    (void)gumbo_parse_with_options(&kGumboDefaultOptions, buf, n);
  } else {
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    (void)htmlCtxtReadMemory(ctxt, buf, n, NULL, "UTF-8",
                             HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC);
    if (ctxt->disableSAX) note = " (stopped: nests deeper than 256)";
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%-8s %-24s %9.3f s%s\n", argv[1], strrchr(argv[2], '/') + 1,
         (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, note);
  return 0;
}
C
gcc -O2 "$dir/parse.c" $(pkg-config --cflags --libs gumbo libxml-2.0) -o "$dir/parse"
python3 - "$dir" <<'PY'
import sys
d = sys.argv[1]
for n in (5000, 10000, 20000):
    open(f"{d}/divs-{n}.html", "w").write("<html><body>" + "<div>" * n)
open(f"{d}/divs-200000.html", "w").write("<html><body>" + "<div>" * 200000)
rows, size = [], 0
head = ('<html><head><title>Index of /dump</title></head><body><h1>Index of /dump</h1>'
        '<table><tr><th><a href="?C=N;O=D">Name</a></th><th>Last modified</th><th>Size</th></tr>\n')
i = 0
while size < 32 << 20:
    r = ('<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="f-%07d.csv">'
         'f-%07d.csv</a></td><td align="right">2026-11-30 12:00  </td><td align="right">%dK</td></tr>\n'
         % (i, i, i % 999))
    rows.append(r); size += len(r); i += 1
open(f"{d}/apache-32MiB.html", "w").write(head + "".join(rows) + "</table></body></html>\n")
PY
for page in divs-5000 divs-10000 divs-20000 divs-200000 apache-32MiB; do
  for parser in gumbo libxml2; do
    if [ "$parser" = gumbo ] && [ "$page" = divs-200000 ]; then continue; fi  # hours
    /usr/bin/time -f "         peak RSS %M KiB" "$dir/parse" "$parser" "$dir/$page.html"
  done
done
