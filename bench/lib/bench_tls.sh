# bench_tls.sh — sourced by proxy_vs_peers.sh for TLS=1: one ECDSA P-256 certificate (and
# its CA), made at run time, served by the upstream and by every proxy, and the config
# fragments that turn TLS on for each of them. Defines nothing when TLS=0.

# make_bench_certs DIR — DIR/ca.pem, DIR/server.{pem,key} (CN localhost, IP 127.0.0.1) and
# DIR/combined.pem (certificate + key, as HAProxy's crt wants it).
make_bench_certs() {
  local dir=$1
  mkdir -p "$dir"
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 2 -subj "/CN=faultline bench CA" \
    -addext "basicConstraints=critical,CA:true" -out "$dir/ca.pem" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/server.key" 2>/dev/null
  openssl req -new -key "$dir/server.key" -subj "/CN=localhost" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null
  cat "$dir/server.pem" "$dir/server.key" >"$dir/combined.pem"
}

if [[ ${TLS:-0} == 1 ]]; then
  command -v openssl >/dev/null 2>&1 || die "missing tool: openssl (apt-get install openssl)"
  make_bench_certs "$TMP/tls"
  SCHEME=https
  # Session caches on every server side, as a production setup has them.
  NGINX_UP_TLS="ssl; ssl_certificate $TMP/tls/server.pem; ssl_certificate_key $TMP/tls/server.key; ssl_session_cache shared:up:1m"
  HAPROXY_BIND_TLS="ssl crt $TMP/tls/combined.pem alpn http/1.1"
  HAPROXY_SERVER_TLS="ssl verify required ca-file $TMP/tls/ca.pem"
  FAULTLINE_LISTEN_TLS="tls = { cert = \"$TMP/tls/server.pem\", key = \"$TMP/tls/server.key\" }"
  FAULTLINE_ROUTE_TLS="tls_ca = \"$TMP/tls/ca.pem\""
else
  SCHEME=http NGINX_UP_TLS="" HAPROXY_BIND_TLS="" HAPROXY_SERVER_TLS="" FAULTLINE_LISTEN_TLS="" FAULTLINE_ROUTE_TLS=""
fi
