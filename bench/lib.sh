# shellcheck shell=bash
# What the bench scripts share; `source bench/lib.sh` from the repository root. Servers started
# here run in the background as jobs of the calling shell, so its `kill $(jobs -p)` trap stops
# them.

# A free TCP port on 127.0.0.1 (the kernel's choice).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 10 s for something to listen on 127.0.0.1:PORT; 1 when nothing does.
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# start_nginx WORK PORT SERVERS [WORKER_CONNECTIONS] [ACCESS_LOG]
# One nginx (one worker, no daemon) with its files under WORK/nginx and the given server { }
# blocks, which listen on PORT; ACCESS_LOG is a path or "off" (the default).
start_nginx() {
  local dir=$1/nginx
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1; pid $dir/pid;
error_log $dir/error.log; worker_rlimit_nofile 65536;
events { worker_connections ${4:-1024}; }
http { access_log ${5:-off}; client_body_temp_path $dir/b; proxy_temp_path $dir/p;
  fastcgi_temp_path $dir/f; uwsgi_temp_path $dir/u; scgi_temp_path $dir/s;
  keepalive_requests 100000; default_type text/plain;
  $3 }
NGINX
  nginx -p "$dir" -c "$dir/nginx.conf" &
  wait_port "$2"
}

# The generated onion sites of bench/gen_onion_sites.py under WORK/sites, one virtual host per
# .onion name, on PORT.
onion_servers() {  # WORK PORT
  cat <<SERVERS
server { listen 127.0.0.1:$2 default_server; return 404; }
  server { listen 127.0.0.1:$2; server_name "~^(?<site>[a-z2-7]{56})\.onion\$";
    root $1/sites/\$site; location / { autoindex on; } }
SERVERS
}
