#!/usr/bin/env bash
# The bundled demo: generate a synthetic sensitive dataset and a local leak site, serve the site
# with a real nginx on 127.0.0.1, sign the dataset, scan the site through the real crawler with
# the bundled default config (config/demo.toml), and print the sightings. Nothing is canned.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bin=${LEAKWATCH_BIN:-$repo/build/cli/leakwatch}
out=$repo/demo-out
port=${LEAKWATCH_DEMO_PORT:-48080}
hook_port=${LEAKWATCH_DEMO_HOOK_PORT:-48081}

python3 deploy/demo/make-demo-data.py "$out"
rm -rf "$out/data" "$out/nginx" "$out"/alerts.jsonl* "$out/webhook-received.log"
mkdir -p "$out/nginx"

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "demo: port $port on 127.0.0.1 is busy; set LEAKWATCH_DEMO_PORT to a free one" >&2
  exit 1
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$hook_port") 2>/dev/null; then
  echo "demo: port $hook_port on 127.0.0.1 is busy; set LEAKWATCH_DEMO_HOOK_PORT to a free one" >&2
  exit 1
fi
cat >"$out/nginx/nginx.conf" <<NGINX
daemon off;
master_process off;
worker_processes 1;
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log $out/nginx/access.log;
  client_body_temp_path $out/nginx/body;
  proxy_temp_path $out/nginx/proxy;
  fastcgi_temp_path $out/nginx/fastcgi;
  uwsgi_temp_path $out/nginx/uwsgi;
  scgi_temp_path $out/nginx/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $out/site;
    location / { autoindex on; }
  }
}
NGINX
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -p "$out/nginx" -c "$out/nginx/nginx.conf" &
nginx_pid=$!
# The webhook receiver the demo's alerts go to, with a fresh signing key (readable by us only).
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$out/webhook.secret")
python3 deploy/demo/webhook-receiver.py "$hook_port" "$out/webhook.secret" "$out/webhook-received.log" &
receiver_pid=$!
trap 'kill $nginx_pid $receiver_pid 2>/dev/null || true' EXIT
for p in "$port" "$hook_port"; do
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
    sleep 0.05
  done
done

# The bundled default config, with the ports this run serves on.
sed -e "s/127.0.0.1:48080/127.0.0.1:$port/g" -e "s/127.0.0.1:48081/127.0.0.1:$hook_port/g" \
  config/demo.toml >"$out/leakwatch.toml"
lw() { "$bin" --config "$out/leakwatch.toml" "$@"; }

echo "== leakwatch sign: the organisation's dataset (hashes only)"
lw sign --dataset perceptics-images --description "Perceptics licence-plate images (synthetic)" "$out/sensitive"
echo
echo "== leakwatch sign --records: the traveller table's rows (keyed hashes only, key in data/keys/)"
lw sign --dataset perceptics-travellers --description "Perceptics traveller table (synthetic)" \
  --records "$out/sensitive/travellers.csv" --columns traveller_id,plate
echo
echo "== leakwatch scan: every source in $out/leakwatch.toml, served by nginx on 127.0.0.1:$port"
set +e
lw scan
rc=$?
set -e
echo
echo "== alerts: what each hook received (scan delivered them at the end of its pass)"
lw alerts list
echo "-- $out/alerts.jsonl (Elastic Common Schema, one document per line):"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print("  ", d["event"]["id"], d["event"]["action"], "-", d["message"])
' "$out/alerts.jsonl"
echo "-- the webhook receiver on 127.0.0.1:$hook_port ($out/webhook-received.log):"
sed 's/^/   /' "$out/webhook-received.log"
echo
echo "== leakwatch sightings: what the store now holds"
lw sightings
echo
echo "== leakwatch verify: does \"none of the image data was identified\" hold? (HTML report: $out/verify.html)"
set +e
lw verify --dataset perceptics-images --format html --output "$out/verify.html"
lw verify --dataset perceptics-images
verdict=$?
set -e
echo
echo "nginx served $(wc -l <"$out/nginx/access.log") requests; leaked content was hashed in memory only."
# 10 is verify's "refuted": the expected answer here. Anything else is worth the exit code.
if ((rc == 0 && verdict != 10)); then rc=$verdict; fi
exit $rc
